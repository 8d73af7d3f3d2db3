package io.pinstream.media;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Thumbnail throughput (source images per second, all three widths encoded) against vipsthumbnail and
 * ImageMagick on the same files in the same run. Not a unit test: run it by hand, see BENCHMARKS.md.
 *
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -Xmx128m -cp target/classes:target/test-classes:$(cat target/cp.txt) io.pinstream.media.ThumbnailBenchmark
 * </pre>
 * Environment: PINSTREAM_CORPUS (default /work/shared/corpus/images), BENCH_RUNS (default 5).
 */
public final class ThumbnailBenchmark {
  static final int[] WIDTHS = {736, 474, 236};
  static final ThumbnailRenderer RENDERER = new ThumbnailRenderer();

  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    Path dir = Path.of(System.getenv().getOrDefault("PINSTREAM_CORPUS", "/work/shared/corpus/images"));
    int runs = Integer.parseInt(System.getenv().getOrDefault("BENCH_RUNS", "5"));
    List<Path> all;
    try (Stream<Path> s = Files.list(dir)) {
      all = s.filter(Files::isRegularFile).sorted().toList();
    }
    List<Path> set = all.stream().filter(p -> p.toString().matches("(?i).*\\.(jpe?g|png)$")).toList();
    List<Path> progressive = new ArrayList<>();
    for (Path p : set) {
      if (ImageProbe.probe(p, Long.MAX_VALUE).progressive()) {
        progressive.add(p);
      }
    }
    HeapSampler heap = new HeapSampler();
    heap.start();
    System.out.printf("corpus %s: %d JPEG/PNG files (%d progressive JPEG), %d runs, median; JVM max heap %d MB, %d cores%n",
        dir, set.size(), progressive.size(), runs, Runtime.getRuntime().maxMemory() >> 20,
        Runtime.getRuntime().availableProcessors());

    // 1. Every file in the directory once, in this heap (run with -Xmx128m to check the memory target).
    System.out.println("\n-- every file once (first, cold JVM) --");
    for (Path p : all) {
      long t0 = System.nanoTime();
      String result;
      try {
        ImageInfo info = ImageProbe.probe(p, 50_000_000L);
        ThumbnailRenderer.Rendition r = RENDERER.render(p, info);
        StringBuilder sb = new StringBuilder(r.dominantColor());
        for (ThumbnailRenderer.Thumbnail t : r.thumbnails()) {
          sb.append(' ').append(t.width()).append('x').append(t.height());
        }
        result = sb.toString();
      } catch (ImageRejectedException e) {
        result = "refused " + e.status() + " " + e.code() + ": " + e.getMessage();
      }
      System.out.printf("  %-48s %7.1f ms  %s%n", p.getFileName(), ms(System.nanoTime() - t0), result);
    }
    System.out.printf("  peak heap in use (sampled every 2 ms): %d MB of %d MB%n", heap.peak >> 20,
        Runtime.getRuntime().maxMemory() >> 20);

    // 2. Throughput.
    renderAll(set, 1); // warm-up
    double single = median(runs, () -> renderAll(set, 1));
    double pooled = median(runs, () -> renderAll(set, 2));
    double singleProg = progressive.isEmpty() ? 0 : median(runs, () -> renderAll(progressive, 1));
    List<Path> baseline = set.stream().filter(p -> !progressive.contains(p)).toList();
    double singleBase = median(runs, () -> renderAll(baseline, 1));

    int extRuns = Math.max(1, Math.min(runs, 3));
    Path out = Files.createTempDirectory("thumbbench");
    double vips1 = median(extRuns, () -> vips(set, out, true));
    double vipsN = median(extRuns, () -> vips(set, out, false));
    double vipsProg = progressive.isEmpty() ? 0 : median(extRuns, () -> vips(progressive, out, true));
    double vipsBase = median(extRuns, () -> vips(baseline, out, true));
    // ImageMagick is optional (apt-get install imagemagick): its rows are left out where it is missing.
    boolean magick = Files.isExecutable(Path.of("/usr/bin/convert"));
    double imThumb = magick ? median(extRuns, () -> magickThumbnail(set, out)) : Double.NaN;
    double imChain = magick ? median(extRuns, () -> magickChained(set, out)) : Double.NaN;

    System.out.println("\n-- throughput: source images/s, all three widths (736, 474, 236) encoded, q=0.85 --");
    row("pinstream, 1 thread", set.size(), single, vips1);
    row("pinstream, pool of 2", set.size(), pooled, vips1);
    row("vipsthumbnail, VIPS_CONCURRENCY=1", set.size(), vips1, vips1);
    row("vipsthumbnail, default threads", set.size(), vipsN, vips1);
    if (magick) {
      row("convert -thumbnail (3 processes/file)", set.size(), imThumb, vips1);
      row("convert -strip -resize 736>474>236", set.size(), imChain, vips1);
    }
    System.out.println("  ratio column = rate / vipsthumbnail (1 thread) rate");
    if (magick) {
      System.out.printf("  pinstream 1 thread vs ImageMagick: %.2fx (-thumbnail), %.2fx (chained)%n",
          imThumb / single, imChain / single);
    }
    System.out.println("  JPEG decoder: " + NativeJpeg.describe());
    System.out.println("\n-- by JPEG kind, 1 thread --");
    row("pinstream, progressive JPEG only", progressive.size(), singleProg, vipsProg);
    row("vipsthumbnail, progressive only", progressive.size(), vipsProg, vipsProg);
    row("pinstream, baseline JPEG + PNG", baseline.size(), singleBase, vipsBase);
    row("vipsthumbnail, baseline JPEG + PNG", baseline.size(), vipsBase, vipsBase);
    System.out.printf("%n  peak heap in use over the whole run: %d MB; peak RSS %s%n", heap.peak >> 20, vmHwm());
    heap.interrupt();
    try (Stream<Path> s = Files.list(out)) {
      for (Path p : s.toList()) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(out);
  }

  interface Timed {
    double seconds() throws Exception;
  }

  static double median(int runs, Timed t) throws Exception {
    double[] s = new double[runs];
    for (int i = 0; i < runs; i++) {
      s[i] = t.seconds();
    }
    Arrays.sort(s);
    return runs % 2 == 1 ? s[runs / 2] : (s[runs / 2 - 1] + s[runs / 2]) / 2;
  }

  static void row(String name, int n, double seconds, double reference) {
    System.out.printf("  %-40s %6.2f s  %6.2f img/s  ratio %.2f%n", name, seconds, n / seconds,
        reference / seconds);
  }

  static double renderAll(List<Path> files, int threads) throws Exception {
    long t0 = System.nanoTime();
    if (threads == 1) {
      for (Path p : files) {
        renderOne(p);
      }
    } else {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<Integer>> fs = new ArrayList<>();
        for (Path p : files) {
          fs.add(pool.submit(() -> renderOne(p)));
        }
        for (Future<Integer> f : fs) {
          f.get();
        }
      } finally {
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.MINUTES);
      }
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  static int renderOne(Path p) throws IOException {
    ThumbnailRenderer.Rendition r = RENDERER.render(p, ImageProbe.probe(p, 50_000_000L));
    int bytes = 0;
    for (ThumbnailRenderer.Thumbnail t : r.thumbnails()) {
      bytes += t.jpeg().length;
    }
    return bytes;
  }

  /** One vipsthumbnail process per width over the whole set. */
  static double vips(List<Path> files, Path out, boolean singleThread) throws Exception {
    long t0 = System.nanoTime();
    for (int w : WIDTHS) {
      List<String> cmd = new ArrayList<>(List.of("vipsthumbnail", "-s", w + "x", "-o",
          out + "/%s_" + w + ".jpg[Q=85,strip]"));
      files.forEach(p -> cmd.add(p.toString()));
      run(cmd, singleThread ? "1" : null);
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  static double magickThumbnail(List<Path> files, Path out) throws Exception {
    long t0 = System.nanoTime();
    for (Path p : files) {
      for (int w : WIDTHS) {
        run(List.of("/usr/bin/convert", p.toString(), "-thumbnail", w + "x", "-quality", "85",
            out + "/im_" + p.getFileName() + "_" + w + ".jpg"), null);
      }
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  static double magickChained(List<Path> files, Path out) throws Exception {
    long t0 = System.nanoTime();
    for (Path p : files) {
      String o = out + "/imc_" + p.getFileName();
      run(List.of("/usr/bin/convert", p.toString(), "-strip", "-quality", "85",
          "-resize", "736x", "-write", o + "_736.jpg",
          "-resize", "474x", "-write", o + "_474.jpg",
          "-resize", "236x", o + "_236.jpg"), null);
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  static void run(List<String> cmd, String vipsConcurrency) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    if (vipsConcurrency != null) {
      pb.environment().put("VIPS_CONCURRENCY", vipsConcurrency);
    }
    int rc = pb.start().waitFor();
    if (rc != 0) {
      throw new IllegalStateException("exit " + rc + ": " + String.join(" ", cmd));
    }
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }

  static String vmHwm() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
          .map(l -> l.replaceAll("\\s+", " ").substring(7)).findFirst().orElse("n/a");
    } catch (IOException e) {
      return "n/a";
    }
  }

  /** Samples heap in use; a coarse but honest peak (GC pools' peak figures are not simultaneous). */
  static final class HeapSampler extends Thread {
    volatile long peak;

    HeapSampler() {
      setDaemon(true);
    }

    @Override
    public void run() {
      var mem = ManagementFactory.getMemoryMXBean();
      while (!isInterrupted()) {
        peak = Math.max(peak, mem.getHeapMemoryUsage().getUsed());
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }
}
