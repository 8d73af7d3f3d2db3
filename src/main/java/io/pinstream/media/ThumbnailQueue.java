package io.pinstream.media;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pinstream.infra.Background;
import io.pinstream.infra.LocalEvents;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission to the thumbnail workers. At most {@code workers + queueSize} jobs are running or
 * waiting; an upload reserves its place before its body is read, so a full queue answers 503 at
 * once instead of buffering uploads. Jobs for the same media run once at a time, however many
 * callers ask (single flight). A periodic sweep picks up jobs left by a crash or a full queue.
 */
public final class ThumbnailQueue implements Background {
  private static final Logger log = LoggerFactory.getLogger(ThumbnailQueue.class);
  private static final long JOB_TIMEOUT_MS = 10 * 60_000;

  private final Vertx vertx;
  private final LocalEvents events;
  private final MediaStore store;
  private final int capacity;
  private final int leaseSeconds;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<Long, Future<Media>> running = new ConcurrentHashMap<>();
  private long sweeper = -1;

  public ThumbnailQueue(Vertx vertx, LocalEvents events, MediaStore store, int workers, int queueSize,
                        int leaseSeconds, MeterRegistry metrics) {
    this.vertx = vertx;
    this.events = events;
    this.store = store;
    this.capacity = workers + queueSize;
    this.leaseSeconds = leaseSeconds;
    Gauge.builder("pinstream.thumbnail.queue.depth", inFlight, AtomicInteger::get)
        .description("Thumbnail jobs running or waiting").register(metrics);
  }

  /** Takes a place in the queue; false when it is full. Each true must be followed by one {@link #run} or {@link #release}. */
  public boolean tryReserve() {
    while (true) {
      int now = inFlight.get();
      if (now >= capacity) {
        return false;
      }
      if (inFlight.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  public void release() {
    inFlight.decrementAndGet();
  }

  /**
   * Renders a media using a place taken with {@link #tryReserve}; completes, on the caller's context,
   * with the row the worker wrote (status ready or failed), or null when the job was skipped (another
   * worker holds it, or it is done already). While a job for the same media is running (asked for by
   * any event loop) the caller joins it and its place is given back at once; otherwise the place is
   * given back when the job ends, however it ends.
   */
  public Future<Media> run(ThumbnailJob request) {
    long mediaId = request.media().id();
    Promise<Media> flight = Promise.promise();
    Future<Media> running = this.running.putIfAbsent(mediaId, flight.future());
    if (running != null) {
      release();
      return onCallersContext(running);
    }
    Future<Media> job;
    try {
      job = events.request(request, JOB_TIMEOUT_MS);
    } catch (RuntimeException e) {
      job = Future.failedFuture(e);
    }
    job.onComplete(done -> {
      // Out of the map before anyone hears of the result: a later caller starts a new job.
      this.running.remove(mediaId, flight.future());
      release();
      flight.handle(done);
    });
    return onCallersContext(flight.future());
  }

  /**
   * The flight is completed on the context that started it; each caller hears of it on its own
   * (an HTTP response must be written on its request's event loop).
   */
  private Future<Media> onCallersContext(Future<Media> flight) {
    return Future.fromCompletionStage(flight.toCompletionStage(), vertx.getOrCreateContext());
  }

  /** Starts the periodic sweep for abandoned jobs (and runs one now). */
  @Override
  public Future<Void> start() {
    sweep();
    sweeper = vertx.setPeriodic(Math.max(1000, leaseSeconds * 500L), id -> sweep());
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(sweeper);
    return Future.succeededFuture();
  }

  private void sweep() {
    int room = capacity - inFlight.get();
    if (room <= 0) {
      return;
    }
    store.failExhausted()
        .onSuccess(ids -> ids.forEach(id -> log.warn("thumbnail job for media {} attempted {} times without finishing: "
            + "marked failed", id, MediaStore.MAX_ATTEMPTS)))
        .compose(failed -> store.abandonedJobs(room)).onSuccess(jobs -> {
      for (Media media : jobs) {
        if (running.containsKey(media.id()) || !tryReserve()) {
          continue;
        }
        log.info("resuming thumbnail job for media {}", media.id());
        // Not claimed, header unknown: the worker claims it by id and probes the original.
        run(new ThumbnailJob(media, null, false));
      }
    }).onFailure(e -> log.warn("thumbnail sweep failed: {}", e.toString()));
  }
}
