package io.pinstream.bench;

import io.pinstream.media.ImageProbe;
import io.pinstream.media.ThumbnailRenderer;
import io.pinstream.testing.ApiClient;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Upload-to-ready over HTTP against {@code vipsthumbnail}, in the same run (issue 17's measure).
 *
 * <ol>
 *   <li>A real server (its own database, the default thumbnail pool and sync wait) receives the corpus's JPEG/PNG
 *       photos over HTTP from {@code -Dclients=4} clients at once, each photo made distinct by a few bytes after
 *       its end (nothing is deduplicated); a round ends when every media reads {@code ready}. One unmeasured
 *       round warms the JIT, then {@code -Drounds=3} measured rounds.</li>
 *   <li>Alternating with those rounds, {@code vipsthumbnail} with {@code VIPS_CONCURRENCY=1} makes the same three
 *       widths (one process per width over the whole set, {@code [Q=85,strip]}).</li>
 *   <li>Memory: each photo rendered alone in a fresh {@code -Xmx128m} JVM ({@link RenderOne}), its peak heap in
 *       use and peak RSS printed.</li>
 * </ol>
 * Run with the classpath (not exec:java: the memory phase starts JVMs with the same classpath):
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) io.pinstream.bench.IngestBenchmark \
 *     [-Dcorpus=../shared/corpus/images] [-Drounds=3] [-Dclients=4] [-Dmemory=true]
 * </pre>
 */
public final class IngestBenchmark {
  static final int[] WIDTHS = {736, 474, 236};

  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    Path corpus = Path.of(System.getProperty("corpus", System.getenv().getOrDefault("PINSTREAM_CORPUS",
        "/work/shared/corpus/images")));
    int rounds = Integer.getInteger("rounds", 3);
    int clients = Integer.getInteger("clients", 4);
    List<Path> files;
    try (Stream<Path> s = Files.list(corpus)) {
      files = s.filter(p -> p.toString().matches("(?i).*\\.(jpe?g|png)$")).sorted().toList();
    }
    List<byte[]> photos = new ArrayList<>();
    for (Path f : files) {
      photos.add(Files.readAllBytes(f));
    }
    System.out.printf("corpus %s: %d JPEG/PNG photos, %.1f MB; %d clients; %d measured rounds; %d cores%n", corpus,
        files.size(), photos.stream().mapToLong(p -> p.length).sum() / 1e6, clients, rounds,
        Runtime.getRuntime().availableProcessors());

    List<Double> ours = new ArrayList<>();
    List<Double> vips = new ArrayList<>();
    Path out = Files.createTempDirectory("ingestbench");
    try (BenchApp bench = new BenchApp(json -> json.getJsonObject("rate_limits").put("uploads_per_user_per_hour", 100_000))) {
      System.out.printf("server: %d thumbnail workers, sync wait %d ms, JPEG decoder: %s%n",
          bench.config.media().workers(), bench.config.media().syncWaitMs(), jpegDecoder());
      ApiClient api = bench.api;
      String token = api.signUpAndLogIn("ingest");
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      AtomicInteger serial = new AtomicInteger();
      ingest(api, token, photos, pool, serial); // warm-up
      for (int r = 0; r < rounds; r++) {
        double t = ingest(api, token, photos, pool, serial);
        double v = vips(files, out);
        ours.add(t);
        vips.add(v);
        System.out.printf("round %d: pinstream %.2f s (%.2f img/s), vipsthumbnail 1 thread %.2f s (%.2f img/s), "
            + "ratio %.2f%n", r + 1, t, files.size() / t, v, files.size() / v, v / t);
      }
      pool.shutdown();
    } finally {
      try (Stream<Path> s = Files.list(out)) {
        for (Path p : s.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(out);
    }
    double t = BenchApp.median(ours);
    double v = BenchApp.median(vips);
    System.out.printf("%nmedian: pinstream over HTTP %.2f img/s, vipsthumbnail single-threaded %.2f img/s: "
        + "ratio %.2f (rounds: %s)%n", files.size() / t, files.size() / v, v / t, ratios(ours, vips));

    if (Boolean.parseBoolean(System.getProperty("memory", "true"))) {
      System.out.println("\n-- each photo alone in a fresh -Xmx128m JVM: peak heap in use, peak RSS --");
      String cp = System.getProperty("java.class.path");
      List<Path> everyImage;
      try (Stream<Path> s = Files.list(corpus)) {
        everyImage = s.filter(p -> p.toString().matches("(?i).*\\.(jpe?g|png|webp|gif)$")).sorted().toList();
      }
      for (Path f : everyImage) {
        Process p = new ProcessBuilder("java", "-Xmx128m", "-cp", cp, RenderOne.class.getName(), f.toString())
            .redirectErrorStream(true).start();
        String result = new String(p.getInputStream().readAllBytes()).trim();
        int rc = p.waitFor();
        String last = result.isEmpty() ? "" : result.substring(result.lastIndexOf('\n') + 1);
        System.out.printf("  %-48s %s%n", f.getFileName(), rc == 0 ? last : "FAILED (exit " + rc + "): " + last);
      }
    }
  }

  private static String jpegDecoder() {
    try {
      var m = Class.forName("io.pinstream.media.NativeJpeg").getDeclaredMethod("describe");
      m.setAccessible(true);
      return (String) m.invoke(null);
    } catch (ReflectiveOperationException e) {
      return "unknown";
    }
  }

  private static String ratios(List<Double> ours, List<Double> vips) {
    List<String> r = new ArrayList<>();
    for (int i = 0; i < ours.size(); i++) {
      r.add(String.format("%.2f", vips.get(i) / ours.get(i)));
    }
    return String.join(", ", r);
  }

  /** Uploads every photo (distinct bytes) from the client pool; seconds until the last one reads ready. */
  private static double ingest(ApiClient api, String token, List<byte[]> photos, ExecutorService pool,
                               AtomicInteger serial) {
    long start = System.nanoTime();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (byte[] photo : photos) {
      byte[] distinct = distinct(photo, serial.incrementAndGet());
      all.add(CompletableFuture.runAsync(() -> uploadUntilReady(api, token, distinct), pool));
    }
    all.forEach(CompletableFuture::join);
    return (System.nanoTime() - start) / 1e9;
  }

  private static void uploadUntilReady(ApiClient api, String token, byte[] photo) {
    var reply = api.upload(token, "file", "photo", "application/octet-stream", photo);
    if (reply.status() != 201 && reply.status() != 202) {
      throw new IllegalStateException("upload failed: " + reply);
    }
    String id = reply.json().getString("id");
    String status = reply.json().getString("status");
    while (!"ready".equals(status)) {
      if ("failed".equals(status)) {
        throw new IllegalStateException("media failed: " + id);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      status = api.get("/api/v1/media/" + id).json().getString("status");
    }
  }

  /** Same pixels, different bytes: decoders stop at the end-of-image marker and ignore what follows. */
  static byte[] distinct(byte[] photo, int n) {
    byte[] copy = Arrays.copyOf(photo, photo.length + 8);
    for (int i = 0; i < 8; i++) {
      copy[photo.length + i] = (byte) (n >> (i * 4));
    }
    return copy;
  }

  /** One vipsthumbnail process per width over the whole set, single-threaded. */
  static double vips(List<Path> files, Path out) throws Exception {
    long t0 = System.nanoTime();
    for (int w : WIDTHS) {
      List<String> cmd = new ArrayList<>(List.of("vipsthumbnail", "-s", w + "x", "-o",
          out + "/%s_" + w + ".jpg[Q=85,strip]"));
      files.forEach(p -> cmd.add(p.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.environment().put("VIPS_CONCURRENCY", "1");
      int rc = pb.start().waitFor();
      if (rc != 0) {
        throw new IllegalStateException("exit " + rc + ": " + String.join(" ", cmd));
      }
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  /** Renders one file's three widths and prints its peak heap in use (all heap pools) and peak RSS. */
  public static final class RenderOne {
    public static void main(String[] args) throws Exception {
      Path file = Path.of(args[0]);
      long t0 = System.nanoTime();
      new ThumbnailRenderer().render(file, ImageProbe.probe(file, 50_000_000L));
      double ms = (System.nanoTime() - t0) / 1e6;
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      String rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
          .map(l -> l.replaceAll("\\s+", " ").substring(7)).findFirst().orElse("n/a");
      System.out.printf("ok, %.0f ms cold; peak heap in use %d MB of %d MB; peak RSS %s%n", ms, peak >> 20,
          Runtime.getRuntime().maxMemory() >> 20, rss);
    }
  }
}
