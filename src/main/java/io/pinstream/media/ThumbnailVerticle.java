package io.pinstream.media;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pinstream.infra.LocalEvents;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.NoSuchFileException;

/**
 * A worker verticle: answers {@link ThumbnailJob}s one at a time on its own worker thread, with the
 * media row it wrote (ready or failed), or null when the job was not its to do. Several instances
 * make the bounded pool; {@link ThumbnailQueue} bounds what may wait for them.
 */
public final class ThumbnailVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ThumbnailVerticle.class);
  private final LocalEvents events;
  private final MediaStore store;
  private final MediaStorage storage;
  private final MediaProcessor processor;
  private final int leaseSeconds;
  private final Timer duration;
  private MessageConsumer<ThumbnailJob> consumer;

  public ThumbnailVerticle(LocalEvents events, MediaStore store, MediaStorage storage, MediaProcessor processor,
                           int leaseSeconds, MeterRegistry metrics) {
    this.events = events;
    this.store = store;
    this.storage = storage;
    this.processor = processor;
    this.leaseSeconds = leaseSeconds;
    this.duration = Timer.builder("pinstream.thumbnail.duration")
        .description("Time to render all sizes of one upload").register(metrics);
  }

  @Override
  public Future<?> start() {
    consumer = events.responder(ThumbnailJob.class, this::handle);
    return consumer.completion();
  }

  private Future<Media> handle(ThumbnailJob job) {
    long id = job.media().id();
    Future<Media> media = job.claimed() ? Future.succeededFuture(job.media()) : store.claim(id, leaseSeconds);
    return media.compose(claimed -> render(claimed, job.info()))
        .onFailure(e -> log.warn("thumbnail job {} did not finish: {}", id, e.toString()));
  }

  /** Runs on this verticle's worker thread: blocking decode and file writes are fine here. */
  private Future<Media> render(Media media, ImageInfo info) {
    if (media == null) {
      return Future.succeededFuture();
    }
    if (media.ready() && storage.hasImages(media.sha256(), media.images())) {
      // A re-render asked for by a request that found a file missing just before another re-render
      // of this media put it back: nothing is missing any more.
      return Future.succeededFuture(media);
    }
    long start = System.nanoTime();
    try {
      MediaProcessor.Result result = processor.process(media, info);
      duration.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
      return store.markReady(media.id(), result.images(), result.dominantColor());
    } catch (ImageRejectedException e) {
      storage.deleteAll(media.sha256());
      return store.markFailed(media.id(), e.code());
    } catch (NoSuchFileException e) {
      // The original is gone (deleted by hand?): nothing can ever render it.
      return store.markFailed(media.id(), ImageRejectedException.MISSING);
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
