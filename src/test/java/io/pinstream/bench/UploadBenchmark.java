package io.pinstream.bench;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.pinstream.testing.ApiClient;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * 50 concurrent uploads of the corpus photos against a real server (its own database), measuring
 * the time from starting each upload until its media is ready (p50, p99), and counting Vert.x
 * blocked-thread warnings (must be zero: nothing blocks an event loop).
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.pinstream.bench.UploadBenchmark \
 *     [-Dcorpus=../shared/corpus/images] [-Duploads=50]
 * </pre>
 * Each upload gets distinct bytes (a few random bytes after the image's end) so none is deduplicated.
 */
public final class UploadBenchmark {
  public static void main(String[] args) throws Exception {
    Path corpus = Path.of(System.getProperty("corpus", System.getenv().getOrDefault("PINSTREAM_CORPUS", "../shared/corpus/images")));
    int uploads = Integer.getInteger("uploads", 50);
    List<byte[]> photos = new ArrayList<>();
    try (Stream<Path> files = Files.list(corpus)) {
      for (Path f : files.filter(p -> p.toString().matches(".*\\.(jpg|png)$")).sorted().toList()) {
        photos.add(Files.readAllBytes(f));
      }
    }
    AtomicInteger blocked = new AtomicInteger();
    AppenderBase<ILoggingEvent> counter = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent event) {
        if (event.getFormattedMessage().contains("has been blocked")) {
          blocked.incrementAndGet();
        }
      }
    };
    Logger checker = (Logger) LoggerFactory.getLogger("io.vertx.core.internal.threadchecker.BlockedThreadChecker");
    counter.setContext(checker.getLoggerContext());
    counter.start();
    checker.addAppender(counter);
    try (BenchApp bench = new BenchApp(json -> json.getJsonObject("media").put("queue_size", uploads).put("sync_wait_ms", 0))) {
      ApiClient api = bench.api;
      String token = api.signUpAndLogIn("bench");
      var pool = Executors.newFixedThreadPool(uploads);
      long allStart = System.nanoTime();
      List<CompletableFuture<Double>> runs = new ArrayList<>();
      for (int i = 0; i < uploads; i++) {
        byte[] photo = distinct(photos.get(i % photos.size()), i);
        runs.add(CompletableFuture.supplyAsync(() -> uploadUntilReady(api, token, photo), pool));
      }
      List<Double> seconds = new ArrayList<>();
      runs.forEach(r -> seconds.add(r.join()));
      double wall = (System.nanoTime() - allStart) / 1e9;
      pool.shutdown();
      Collections.sort(seconds);
      System.out.printf("uploads: %d concurrent, %d distinct source photos, %.1f MB in total%n", uploads, photos.size(),
          photos.stream().mapToLong(p -> p.length).sum() * (uploads / (double) photos.size()) / 1e6);
      System.out.printf("upload -> ready: p50 %.2f s, p99 %.2f s, max %.2f s; all ready after %.2f s (%.1f uploads/s)%n",
          BenchApp.percentile(seconds, 50), BenchApp.percentile(seconds, 99), seconds.get(seconds.size() - 1), wall, uploads / wall);
      System.out.printf("blocked-thread warnings: %d%n", blocked.get());
    }
  }

  private static double uploadUntilReady(ApiClient api, String token, byte[] photo) {
    long start = System.nanoTime();
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
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      status = api.get("/api/v1/media/" + id).json().getString("status");
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** Same pixels, different bytes: decoders stop at the end-of-image marker and ignore what follows. */
  private static byte[] distinct(byte[] photo, int n) {
    byte[] copy = Arrays.copyOf(photo, photo.length + 8);
    for (int i = 0; i < 8; i++) {
      copy[photo.length + i] = (byte) (n >> (i * 4));
    }
    return copy;
  }
}
