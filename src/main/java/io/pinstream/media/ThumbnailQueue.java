package io.pinstream.media;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pinstream.infra.Background;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
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
  static final String ADDRESS = "pinstream.media.thumbnails";
  private static final Logger log = LoggerFactory.getLogger(ThumbnailQueue.class);
  private static final long JOB_TIMEOUT_MS = 10 * 60_000;

  private final Vertx vertx;
  private final MediaStore store;
  private final int capacity;
  private final int leaseSeconds;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<Long, Future<String>> running = new ConcurrentHashMap<>();
  private long sweeper = -1;

  public ThumbnailQueue(Vertx vertx, MediaStore store, int workers, int queueSize, int leaseSeconds,
                        MeterRegistry metrics) {
    this.vertx = vertx;
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
   * Renders a media using a place taken with {@link #tryReserve}; completes with the media's new
   * status ("ready", "failed", or "skipped" when another worker holds the job).
   *
   * @param claimed whether the caller already holds the job's lease (a fresh upload does)
   */
  public Future<String> run(long mediaId, boolean claimed) {
    Future<String> existing = running.get(mediaId);
    if (existing != null) {
      release();
      return existing;
    }
    Future<String> job = vertx.eventBus()
        .<String>request(ADDRESS, new JsonObject().put("id", mediaId).put("claimed", claimed),
            new DeliveryOptions().setSendTimeout(JOB_TIMEOUT_MS))
        .map(reply -> reply.body());
    running.put(mediaId, job);
    job.onComplete(done -> {
      running.remove(mediaId, job);
      release();
    });
    return job;
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
    store.abandonedJobs(room).onSuccess(ids -> {
      for (long id : ids) {
        if (running.containsKey(id) || !tryReserve()) {
          continue;
        }
        log.info("resuming thumbnail job for media {}", id);
        run(id, false);
      }
    }).onFailure(e -> log.warn("thumbnail sweep failed: {}", e.toString()));
  }
}
