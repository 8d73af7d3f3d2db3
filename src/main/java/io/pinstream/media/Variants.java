package io.pinstream.media;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.pinstream.common.Problems;
import io.pinstream.config.Config;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * On-the-fly rendering for {@link ImageServer}, one per process (every HTTP event loop shares it): a bounded
 * worker pool ({@code media.workers} threads, at most {@code workers + queue_size} renders running or waiting,
 * then 503), single flight per variant file, and the {@link VariantCache} quota.
 */
public final class Variants {
  private static final Logger log = LoggerFactory.getLogger(Variants.class);
  private final Vertx vertx;
  private final MediaStore store;
  private final MediaStorage storage;
  private final MediaProcessor processor;
  private final VariantCache cache;
  private final VariantRenderer renderer;
  private final WorkerExecutor renderers;
  private final int maxRenders;
  private final AtomicInteger rendering = new AtomicInteger();
  /** Renders under way by file: a second request for the same variant joins the first. */
  private final Map<Path, Future<Long>> inFlight = new ConcurrentHashMap<>();
  private final Counter renders;

  public Variants(Vertx vertx, MediaStore store, MediaStorage storage, MediaProcessor processor, Config.Media config,
                  MeterRegistry metrics) {
    this.vertx = vertx;
    this.store = store;
    this.storage = storage;
    this.processor = processor;
    this.cache = new VariantCache(config.dir(), config.variantCacheBytes());
    this.renderer = new VariantRenderer(config.webpQuality());
    this.renderers = vertx.createSharedWorkerExecutor("pinstream-variants", config.workers());
    this.maxRenders = config.workers() + config.queueSize();
    this.renders = Counter.builder("pinstream.media.variant.renders")
        .description("On-the-fly renders (signed sizes and WebP copies) that wrote a file").register(metrics);
    renderers.executeBlocking(() -> {
      cache.load();
      return null;
    }, false).onFailure(e -> log.warn("variant cache not indexed: {}", e.toString()));
  }

  Path file(String sha256, String name) {
    return cache.file(sha256, name);
  }

  void touch(Path file, long size) {
    cache.touch(file, size);
  }

  /**
   * Renders the variant into {@code path} (once, however many ask at the same time); completes on the caller's
   * context with its size. 404 when the media is not ready, 400 when {@code allowed} refuses its size.
   */
  Future<Long> render(String key, Path path, VariantRenderer.Spec spec, Predicate<Media> allowed) {
    Promise<Long> flight = Promise.promise();
    Future<Long> running = inFlight.putIfAbsent(path, flight.future());
    if (running != null) {
      return onCallersContext(running);
    }
    if (rendering.incrementAndGet() > maxRenders) {
      rendering.decrementAndGet();
      inFlight.remove(path, flight.future());
      flight.fail(Problems.unavailable("variant_queue_full", "Busy rendering images; retry shortly", 2));
      return flight.future();
    }
    store.bySha(key).compose(media -> {
      if (media == null || !media.ready()) {
        return Future.<Long>failedFuture(Problems.notFound("image_not_found", "No such image"));
      }
      if (!allowed.test(media)) {
        return Future.<Long>failedFuture(Problems.badRequest("image_size_too_large",
            "cover and contain sizes are at most the original's " + media.width() + "x" + media.height()));
      }
      return renderers.executeBlocking(() -> {
        Path original = storage.original(key);
        ImageInfo info = processor.probe(original);
        byte[] bytes = renderer.render(original, info, spec);
        Files.createDirectories(path.getParent());
        AtomicFiles.write(path, out -> out.write(bytes));
        cache.added(path, bytes.length);
        renders.increment();
        return (long) bytes.length;
      }, false);
    }).recover(e -> Future.failedFuture(e instanceof NoSuchFileException
            ? Problems.notFound("image_not_found", "No such image") : e))
        .onComplete(done -> {
          // Out of the map before anyone hears of the result: a later request after an eviction renders anew.
          inFlight.remove(path, flight.future());
          rendering.decrementAndGet();
          flight.handle(done);
        });
    return onCallersContext(flight.future());
  }

  private Future<Long> onCallersContext(Future<Long> flight) {
    return Future.fromCompletionStage(flight.toCompletionStage(), vertx.getOrCreateContext());
  }
}
