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
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
  private final Renderer processor;
  private final int leaseSeconds;
  private final Timer duration;
  private MessageConsumer<ThumbnailJob> consumer;
  /** Jobs handed to this worker whose row is not written yet (touched on this verticle's context only). */
  private final Set<Future<Media>> unfinished = new HashSet<>();

  /** What a worker does with a claimed job (the real one is {@link MediaProcessor#process}). */
  interface Renderer {
    MediaProcessor.Result process(Media media, ImageInfo info) throws IOException;
  }

  public ThumbnailVerticle(LocalEvents events, MediaStore store, MediaStorage storage, MediaProcessor processor,
                           int leaseSeconds, MeterRegistry metrics) {
    this(events, store, storage, processor::process, leaseSeconds, metrics);
  }

  ThumbnailVerticle(LocalEvents events, MediaStore store, MediaStorage storage, Renderer processor,
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
    Future<Media> done = media.compose(claimed -> render(claimed, job.info()))
        .onFailure(e -> log.warn("thumbnail job {} did not finish: {}", id, e.toString()));
    unfinished.add(done);
    done.onComplete(finished -> unfinished.remove(done));
    return done;
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
      // Left in 'processing': the lease runs out and the sweeper tries again later (MediaStore.MAX_ATTEMPTS in all).
      return Future.failedFuture(e);
    } catch (Error e) {
      // A decoder ran out of heap or stack on this image (its allocations are garbage by now): trying it
      // again would only do the same, so the media fails here and this worker takes the next job.
      log.error("thumbnail job {} ({}) failed with {}: marked {}", media.id(), media.sha256(), e,
          ImageRejectedException.UNRENDERABLE);
      deleteFilesQuietly(media.sha256());
      return store.markFailed(media.id(), ImageRejectedException.UNRENDERABLE);
    }
  }

  private void deleteFilesQuietly(String sha256) {
    try {
      storage.deleteAll(sha256);
    } catch (RuntimeException e) {
      log.warn("could not delete the files of {}: {}", sha256, e.toString());
    }
  }

  /**
   * Takes no new job, then waits for the ones it was handed to write their row: the pools close
   * after the workers stop, and a render whose row could not be written would be done again only
   * once its lease ran out. (Jobs are handed over in order before this runs: the HTTP servers
   * drained and the sweep stopped first, so every accepted upload's job is finished by a graceful stop.)
   */
  @Override
  public Future<?> stop() {
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregistered.transform(v -> Future.join(List.copyOf(unfinished)).transform(jobs -> Future.succeededFuture()));
  }
}
