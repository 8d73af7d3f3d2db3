package io.pinstream.feed;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pinstream.config.Config;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.pinstream.infra.Background;
import io.pinstream.infra.LocalEvents;
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
 * <p>After delivering, a {@link PinDelivered} is published on the local events for the live push:
 * the pin is in every feed by then, so a client that reacts by reading its feed finds it.
 */
public final class FanOut implements Background {
  static final String ADD = "add";
  static final String REMOVE = "remove";
  private static final Logger log = LoggerFactory.getLogger(FanOut.class);
  /**
   * Feeds per script call: a call stays short (Redis runs one script at a time, so a 100,000-feed
   * call would stall every other client), and the calls' round trips overlap.
   */
  private static final int BATCH = 1000;

  private final Vertx vertx;
  private final LocalEvents events;
  private final Pool pool;
  private final FeedStore store;
  private final FeedQueries queries;
  private final Trending trending;
  private final PinHydrator pins;
  private final Config.Feed config;
  private final Timer duration;
  private long sweeper = -1;

  public FanOut(Vertx vertx, LocalEvents events, Pool pool, FeedStore store, FeedQueries queries, Trending trending,
                PinHydrator pins, Config.Feed config, MeterRegistry metrics) {
    this.vertx = vertx;
    this.events = events;
    this.pool = pool;
    this.store = store;
    this.queries = queries;
    this.trending = trending;
    this.pins = pins;
    this.config = config;
    this.duration = Timer.builder("pinstream.fanout.duration").description("Time to deliver one pin to every feed")
        .register(metrics);
  }

  /**
   * Delivers one outbox row now, if nobody else holds it. Completes when the pin is in (or out of)
   * every feed; the outbox row is deleted and the event published right after, without making the
   * caller wait for that (if it fails, the sweep delivers the row again: delivery is idempotent).
   */
  public Future<Void> deliver(long pinId, String action) {
    long start = System.nanoTime();
    boolean adding = ADD.equals(action);
    Future<FeedQueries.PinTarget> claimed = queries.claim(pinId, action, config.outboxLeaseSeconds());
    Future<Void> delivered = claimed.compose(pin -> pin == null ? Future.succeededFuture() : adding ? add(pin) : remove(pin));
    delivered
        .compose(v -> claimed.result() == null ? Future.succeededFuture() : pool
            .preparedQuery("DELETE FROM feed_outbox WHERE pin_id = $1 AND action = $2").execute(Tuple.of(pinId, action))
            .onSuccess(deleted -> {
              duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
              FeedQueries.PinTarget pin = claimed.result();
              events.publish(new PinDelivered(pinId, pin.ownerId(), pin.ownerUsername(), pin.boardId(), !adding));
            }))
        .onFailure(e -> log.warn("fan-out of pin {} ({}) failed, will retry: {}", pinId, action, e.toString()));
    return delivered;
  }

  private Future<Void> add(FeedQueries.PinTarget pin) {
    if (pin.deleted()) {
      // Deleted before its delivery ran: nothing to add (its removal cleans up any copy).
      return Future.succeededFuture();
    }
    long pinId = pin.pinId();
    // Meanwhile the pin is loaded into the caches, where the live push and the first readers look
    // (not waited for: a reader that comes first loads it itself).
    pins.hydrateEncoded(List.of(pinId));
    return Future.all(
        store.add(List.of(store.user(pin.ownerId()), store.board(pin.boardId())), pinId, config.homeCap()),
        queries.audience(pin, false, BATCH, users -> store.add(homes(users), pinId, config.homeCap())),
        trending.rescore(List.of(pinId))).mapEmpty();
  }

  /** A deleted pin leaves every feed it may be in (the same audience; stale copies elsewhere are dropped at read). */
  private Future<Void> remove(FeedQueries.PinTarget pin) {
    long pinId = pin.pinId();
    List<Long> removed = List.of(pinId);
    return store.remove(List.of(store.user(pin.ownerId()), store.board(pin.boardId())), removed)
        .compose(v -> queries.audience(pin, true, BATCH, users -> store.remove(homes(users), removed)))
        .compose(v -> trending.remove(pinId))
        .compose(v -> pins.evict(removed));
  }

  private List<String> homes(List<Long> users) {
    List<String> feeds = new ArrayList<>(users.size());
    users.forEach(userId -> feeds.add(store.home(userId)));
    return feeds;
  }

  /** Starts the periodic sweep for fan-outs a crash (or an outage) left behind, and runs one now. */
  @Override
  public Future<Void> start() {
    sweep();
    sweeper = vertx.setPeriodic(Math.max(1000, config.outboxLeaseSeconds() * 500L), id -> sweep());
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(sweeper);
    return Future.succeededFuture();
  }

  private void sweep() {
    pool.preparedQuery("""
            SELECT pin_id, action FROM feed_outbox WHERE claimed_until IS NULL OR claimed_until < now()
             ORDER BY created_at LIMIT 100""")
        .execute()
        .onSuccess(rows -> rows.forEach(row -> {
          log.info("resuming fan-out of pin {} ({})", row.getLong(0), row.getString(1));
          deliver(row.getLong(0), row.getString(1));
        }))
        .onFailure(e -> log.warn("fan-out sweep failed: {}", e.toString()));
  }
}
