package io.pinstream.media;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.NoSuchFileException;

/**
 * A worker verticle: renders one media at a time on its own worker thread. Several instances make
 * the bounded pool; {@link ThumbnailQueue} bounds what may wait for them.
 */
public final class ThumbnailVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ThumbnailVerticle.class);
  private final MediaStore store;
  private final MediaStorage storage;
  private final MediaProcessor processor;
  private final int leaseSeconds;
  private final Timer duration;
  private MessageConsumer<JsonObject> consumer;

  public ThumbnailVerticle(MediaStore store, MediaStorage storage, MediaProcessor processor, int leaseSeconds,
                           MeterRegistry metrics) {
    this.store = store;
    this.storage = storage;
    this.processor = processor;
    this.leaseSeconds = leaseSeconds;
    this.duration = Timer.builder("pinstream.thumbnail.duration")
        .description("Time to render all sizes of one upload").register(metrics);
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().<JsonObject>localConsumer(ThumbnailQueue.ADDRESS, message -> {
      JsonObject job = message.body();
      long id = job.getLong("id");
      Future<Media> media = job.getBoolean("claimed") ? store.get(id) : store.claim(id, leaseSeconds);
      media.compose(this::render).onComplete(done -> {
        if (done.succeeded()) {
          message.reply(done.result());
        } else {
          log.warn("thumbnail job {} did not finish: {}", id, done.cause().toString());
          message.fail(500, done.cause().getMessage());
        }
      });
    });
    return consumer.completion();
  }

  /** Runs on this verticle's worker thread: blocking decode and file writes are fine here. */
  private Future<String> render(Media media) {
    if (media == null) {
      return Future.succeededFuture("skipped");
    }
    long start = System.nanoTime();
    try {
      MediaProcessor.Result result = processor.process(media);
      duration.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
      return store.markReady(media.id(), result.images(), result.dominantColor()).map(Media.READY);
    } catch (ImageRejectedException e) {
      storage.deleteAll(media.sha256());
      return store.markFailed(media.id(), e.code()).map(Media.FAILED);
    } catch (NoSuchFileException e) {
      // The original is gone (deleted by hand?): nothing can ever render it.
      return store.markFailed(media.id(), ImageRejectedException.MISSING).map(Media.FAILED);
    } catch (IOException | RuntimeException e) {
      // Left in 'processing': the lease runs out and the sweeper tries again later.
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<?> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
