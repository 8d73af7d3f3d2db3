package io.pinstream.media;

import io.pinstream.infra.Background;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Keeps the media folder from growing with what nobody will read: uploads that no pin uses once they are
 * {@code media.unreferenced_max_age_hours} old (row, then files), and upload parts under tmp/ that a
 * {@code kill -9} or a lost delete left behind. File work runs on worker threads, never on an event loop.
 */
public final class MediaHousekeeping implements Background {
  private static final Logger log = LoggerFactory.getLogger(MediaHousekeeping.class);
  /** Twice the HTTP idle timeout and more: a part untouched this long is written by no upload on any node. */
  static final Duration TEMP_IDLE = Duration.ofMinutes(5);
  private static final long TEMP_SWEEP_MS = 60_000;
  private static final long UNREFERENCED_SWEEP_MS = 10 * 60_000;
  private static final int BATCH = 100;

  private final Vertx vertx;
  private final MediaStore store;
  private final MediaStorage storage;
  private final int unreferencedMaxAgeHours;
  private long tempTimer = -1;
  private long unreferencedTimer = -1;
  /** The sweep running now, if any (one at a time, so stop can wait for it before the pools close). */
  private Future<?> running = Future.succeededFuture();

  public MediaHousekeeping(Vertx vertx, MediaStore store, MediaStorage storage, int unreferencedMaxAgeHours) {
    this.vertx = vertx;
    this.store = store;
    this.storage = storage;
    this.unreferencedMaxAgeHours = unreferencedMaxAgeHours;
  }

  @Override
  public Future<Void> start() {
    tempTimer = vertx.setPeriodic(TEMP_SWEEP_MS, id -> runAlone(this::sweepTemp));
    unreferencedTimer = vertx.setPeriodic(UNREFERENCED_SWEEP_MS, id -> runAlone(this::sweepUnreferenced));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(tempTimer);
    vertx.cancelTimer(unreferencedTimer);
    return running.transform(done -> Future.succeededFuture());
  }

  private void runAlone(java.util.function.Supplier<Future<Integer>> sweep) {
    if (running.isComplete()) {
      running = sweep.get();
    }
  }

  /** Deletes stale upload parts under tmp/; completes with how many. */
  public Future<Integer> sweepTemp() {
    return vertx.executeBlocking(() -> storage.sweepTemp(TEMP_IDLE), false)
        .onSuccess(n -> {
          if (n > 0) {
            log.info("deleted {} abandoned upload part(s) under tmp/", n);
          }
        })
        .onFailure(e -> log.warn("tmp/ sweep failed: {}", e.toString()));
  }

  /** Deletes unreferenced media past their age, batch after batch; completes with how many. */
  public Future<Integer> sweepUnreferenced() {
    return sweepUnreferenced(0)
        .onSuccess(n -> {
          if (n > 0) {
            log.info("deleted {} media no pin used for {} hours", n, unreferencedMaxAgeHours);
          }
        })
        .onFailure(e -> log.warn("unreferenced media sweep failed: {}", e.toString()));
  }

  private Future<Integer> sweepUnreferenced(int sofar) {
    return store.deleteUnreferenced(unreferencedMaxAgeHours, BATCH)
        .recover(e -> {
          if (e instanceof PgException pg && "23503".equals(pg.getSqlState())) {
            // A pin started using one of them meanwhile: nothing was deleted; the rest go next time.
            return Future.succeededFuture(List.of());
          }
          return Future.failedFuture(e);
        })
        .compose(shas -> shas.isEmpty() ? Future.succeededFuture(sofar)
            : store.existing(shas).compose(reuploaded -> deleteFiles(shas, reuploaded))
                .compose(v -> shas.size() < BATCH ? Future.succeededFuture(sofar + shas.size())
                    : sweepUnreferenced(sofar + shas.size())));
  }

  /** The rows are gone; their files go too, unless the same bytes were uploaded again since. */
  private Future<Void> deleteFiles(List<String> shas, Set<String> reuploaded) {
    return vertx.executeBlocking(() -> {
      for (String sha : shas) {
        if (!reuploaded.contains(sha)) {
          storage.deleteAll(sha);
        }
      }
      return null;
    }, false);
  }
}
