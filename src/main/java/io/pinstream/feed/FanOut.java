package io.pinstream.feed;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pinstream.config.Config;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Delivers pins to feeds from the {@code feed_outbox} rows that pin creation and deletion write in
 * their own statement. The creating request triggers delivery at once; a periodic sweep delivers
 * whatever a crash (or Redis being down) left behind. Delivery is idempotent (sorted-set adds and
 * removes), so a row delivered twice does no harm; a row is deleted only after delivery succeeded.
 *
 * <p>After delivering, a pin's arrival is published on the event bus ({@link #PIN_ADDED},
 * {@link #PIN_REMOVED}) for the live push: it is in every feed by then, so a client that reacts by
 * reading its feed finds it.
 */
public final class FanOut {
  public static final String PIN_ADDED = "pinstream.feed.pin-added";
  public static final String PIN_REMOVED = "pinstream.feed.pin-removed";
  private static final Logger log = LoggerFactory.getLogger(FanOut.class);
  private static final int BATCH = 1000;

  private final Vertx vertx;
  private final Pool pool;
  private final FeedStore store;
  private final FeedQueries queries;
  private final Trending trending;
  private final PinHydrator pins;
  private final Config.Feed config;
  private final Timer duration;
  private long sweeper = -1;

  public FanOut(Vertx vertx, Pool pool, FeedStore store, FeedQueries queries, Trending trending, PinHydrator pins,
                Config.Feed config, MeterRegistry metrics) {
    this.vertx = vertx;
    this.pool = pool;
    this.store = store;
    this.queries = queries;
    this.trending = trending;
    this.pins = pins;
    this.config = config;
    this.duration = Timer.builder("pinstream.fanout.duration").description("Time to deliver one pin to every feed")
        .register(metrics);
  }

  /** Delivers one outbox row now, if nobody else holds it; completes when it is delivered (or skipped). */
  public Future<Void> deliver(long pinId, String action) {
    return claim(pinId, action).compose(claimed -> {
      if (!claimed) {
        return Future.succeededFuture();
      }
      long start = System.nanoTime();
      Future<Void> delivered = "add".equals(action) ? add(pinId) : remove(pinId);
      return delivered
          .compose(v -> pool.preparedQuery("DELETE FROM feed_outbox WHERE pin_id = $1 AND action = $2")
              .execute(Tuple.of(pinId, action)))
          .map(v -> {
            duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            vertx.eventBus().publish("add".equals(action) ? PIN_ADDED : PIN_REMOVED,
                new JsonObject().put("pin_id", Long.toString(pinId)));
            return (Void) null;
          });
    });
  }

  private Future<Boolean> claim(long pinId, String action) {
    return pool.preparedQuery("""
            UPDATE feed_outbox SET claimed_until = now() + make_interval(secs => $3)
             WHERE pin_id = $1 AND action = $2 AND (claimed_until IS NULL OR claimed_until < now())""")
        .execute(Tuple.of(pinId, action, config.outboxLeaseSeconds()))
        .map(rows -> rows.rowCount() == 1);
  }

  private Future<Void> add(long pinId) {
    return queries.target(pinId).compose(pin -> {
      if (pin == null || pin.deleted()) {
        // Deleted before its delivery ran: nothing to add (its removal cleans up any copy).
        return Future.succeededFuture();
      }
      return queries.audience(pin, false)
          .compose(audience -> inBatches(feeds(pin, audience), batch -> store.add(batch, pinId, config.homeCap())))
          .compose(v -> trending.rescore(List.of(pinId)));
    });
  }

  /** A deleted pin leaves every feed it may be in (the same audience; stale copies elsewhere are dropped at read). */
  private Future<Void> remove(long pinId) {
    return queries.target(pinId).compose(pin -> {
      if (pin == null) {
        return Future.succeededFuture();
      }
      return queries.audience(pin, true)
          .compose(audience -> inBatches(feeds(pin, audience), batch -> store.remove(batch, List.of(pinId))));
    }).compose(v -> trending.remove(pinId)).compose(v -> pins.evict(List.of(pinId)));
  }

  /** The author's and the board's feeds, and the audience's home feeds. */
  private List<String> feeds(FeedQueries.PinTarget pin, List<Long> audience) {
    List<String> feeds = new ArrayList<>(audience.size() + 2);
    feeds.add(store.user(pin.ownerId()));
    feeds.add(store.board(pin.boardId()));
    audience.forEach(userId -> feeds.add(store.home(userId)));
    return feeds;
  }

  /**
   * Script calls of {@value #BATCH} feeds each, all sent at once: a call stays short (Redis runs
   * one script at a time, so a 100,000-feed call would stall every other client), and their round
   * trips overlap.
   */
  private static Future<Void> inBatches(List<String> feeds, java.util.function.Function<List<String>, Future<Void>> send) {
    List<Future<Void>> calls = new ArrayList<>();
    for (int i = 0; i < feeds.size(); i += BATCH) {
      calls.add(send.apply(feeds.subList(i, Math.min(feeds.size(), i + BATCH))));
    }
    return Future.all(calls).mapEmpty();
  }

  public void startSweeping() {
    sweep();
    sweeper = vertx.setPeriodic(Math.max(1000, config.outboxLeaseSeconds() * 500L), id -> sweep());
  }

  public void stopSweeping() {
    if (sweeper >= 0) {
      vertx.cancelTimer(sweeper);
    }
  }

  private void sweep() {
    pool.preparedQuery("""
            SELECT pin_id, action FROM feed_outbox WHERE claimed_until IS NULL OR claimed_until < now()
             ORDER BY created_at LIMIT 100""")
        .execute()
        .onSuccess(rows -> rows.forEach(row -> {
          log.info("resuming fan-out of pin {} ({})", row.getLong(0), row.getString(1));
          deliver(row.getLong(0), row.getString(1))
              .onFailure(e -> log.warn("fan-out of pin {} failed, will retry: {}", row.getLong(0), e.toString()));
        }))
        .onFailure(e -> log.warn("fan-out sweep failed: {}", e.toString()));
  }
}
