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
  private static final int SWEEP_BATCH = 500;
  private static final int SWEEP_PARALLEL = 32;
  private static final long SWEEP_EVERY_MS = 2000;
  private long sweeper = -1;
  private io.vertx.core.Context sweepContext;
  private boolean sweeping;
  private volatile boolean behind;
  /** How long a failed delivery keeps {@link #behind} set whatever a sweep answers: twice the sweep query's 1 s. */
  private static final long FAILURE_MEMORY_NANOS = 2_000_000_000L;
  /**
   * When a delivery last failed (System.nanoTime): a sweep must not clear {@link #behind} on an
   * answer that cannot have counted that failure's row as overdue (see {@link #sweepBatches}).
   */
  private volatile long lastFailure = System.nanoTime() - 2 * FAILURE_MEMORY_NANOS;

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
        .onFailure(e -> {
          lastFailure = System.nanoTime();
          behind = true;
          log.warn("fan-out of pin {} ({}) failed, will retry: {}", pinId, action, e.toString());
          // Let go of the lease: the sweep retries as soon as Redis answers, not when the lease ends.
          if (claimed.succeeded() && claimed.result() != null) {
            pool.preparedQuery("UPDATE feed_outbox SET claimed_until = NULL WHERE pin_id = $1 AND action = $2")
                .execute(Tuple.of(pinId, action));
          }
        });
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

  /**
   * Whether some fan-out is overdue (failed, or left by a crash) as far as this node knows: feeds are
   * then read from PostgreSQL, so a pin answered 201 is never missing from a follower's page while
   * the backlog drains, whether Redis came back empty or with its old data. Set when a delivery fails
   * or a sweep finds overdue rows; cleared when a sweep finds none.
   */
  public boolean behind() {
    return behind;
  }

  /** Starts the periodic sweep for fan-outs a crash (or an outage) left behind, and runs one now. */
  @Override
  public Future<Void> start() {
    sweepContext = vertx.getOrCreateContext();
    sweep();
    sweeper = vertx.setPeriodic(SWEEP_EVERY_MS, id -> sweep());
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(sweeper);
    return Future.succeededFuture();
  }

  /** Sweeps at once (Redis is back): the backlog need not wait for the next tick. */
  public void sweepNow() {
    if (sweepContext != null) {
      sweepContext.runOnContext(v -> sweep());
    }
  }

  /** One sweep at a time, on the sweep's context. */
  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    sweepBatches(0).onComplete(done -> {
      sweeping = false;
      if (done.failed()) {
        log.warn("fan-out sweep failed: {}", done.cause().toString());
      } else if (done.result() > 0) {
        log.info("fan-out sweep delivered {} overdue pins", done.result());
      }
    });
  }

  /**
   * Delivers overdue rows as fast as Redis takes them: {@value #SWEEP_BATCH} at a time,
   * {@value #SWEEP_PARALLEL} in flight, batch after batch until none is left or a delivery fails
   * (Redis is still down: the next tick tries again). Rows are claimed one by one with a lease, so
   * nodes sweeping together never deliver the same row at once. Completes with how many were delivered.
   */
  private Future<Integer> sweepBatches(int deliveredSoFar) {
    // Overdue counts whoever holds a row: one held by a node that died stays overdue until its lease ends.
    long asked = System.nanoTime();
    return pool.preparedQuery("SELECT EXISTS (SELECT 1 FROM feed_outbox WHERE created_at < now() - interval '1 second')")
        .execute()
        .compose(overdue -> {
          // A delivery that failed shortly before this query (its row too young to count) or while it
          // was being answered keeps the feeds on PostgreSQL until a later sweep counts its row.
          // Otherwise a sweep answered just as PostgreSQL went down ("none overdue": the failed pin's
          // row was under a second old) cleared the flag right after that failure set it, and feeds
          // were read from Redis, without the pin, until the next sweep (PostgresRestartTest, once in CI).
          behind = overdue.iterator().next().getBoolean(0) || lastFailure - (asked - FAILURE_MEMORY_NANOS) > 0;
          return behind ? dueBatches(deliveredSoFar) : Future.succeededFuture(deliveredSoFar);
        });
  }

  private Future<Integer> dueBatches(int deliveredSoFar) {
    return pool.preparedQuery("""
            SELECT pin_id, action FROM feed_outbox
             WHERE (claimed_until IS NULL OR claimed_until < now()) AND created_at < now() - interval '1 second'
             ORDER BY created_at LIMIT $1""")
        .execute(Tuple.of(SWEEP_BATCH))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(deliveredSoFar);
          }
          List<Long> due = new ArrayList<>();
          List<String> actions = new ArrayList<>();
          rows.forEach(row -> {
            due.add(row.getLong(0));
            actions.add(row.getString(1));
          });
          return deliverAll(due, actions, 0)
              .compose(ok -> rows.size() == SWEEP_BATCH && ok
                  ? dueBatches(deliveredSoFar + rows.size())
                  : Future.succeededFuture(deliveredSoFar + rows.size()));
        });
  }

  /** Delivers rows [from..] with at most SWEEP_PARALLEL in flight; true when none failed. */
  private Future<Boolean> deliverAll(List<Long> pins, List<String> actions, int from) {
    List<Future<Boolean>> window = new ArrayList<>();
    for (int i = from; i < Math.min(pins.size(), from + SWEEP_PARALLEL); i++) {
      window.add(deliver(pins.get(i), actions.get(i)).map(true).otherwise(false));
    }
    int next = from + window.size();
    return Future.all(window).compose(all -> {
      boolean ok = window.stream().allMatch(Future::result);
      return ok && next < pins.size() ? deliverAll(pins, actions, next) : Future.succeededFuture(ok);
    });
  }
}
