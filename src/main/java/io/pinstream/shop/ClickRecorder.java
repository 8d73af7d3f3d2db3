package io.pinstream.shop;

import io.pinstream.infra.Background;
import io.pinstream.infra.LocalEvents;
import io.pinstream.infra.RedisKeys;
import io.pinstream.infra.RedisScripts;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes clicks to PostgreSQL in batches, off the redirect path: the redirect hands its click over and
 * answers at once. Every {@code flushMs} (or as soon as {@code batchSize} clicks wait) one statement
 * inserts the batch, adds the counted clicks to {@code pins.click_count}, and the counts per pin are
 * published as one {@link PinsClicked} on the local events. One batch is in flight at a time, on one context, so the
 * click_count updates never deadlock one another. {@link #stop()} writes whatever is still waiting:
 * the app calls it after the HTTP servers drained and before the pool closes, so a graceful shutdown
 * loses no click.
 *
 * <p>Repeats (same IP hash and pin within an hour) are found with one Lua call per batch (SET NX EX on
 * each key, in click order). If Redis does not answer, PostgreSQL decides instead (an EXISTS over the
 * last hour's clicks of the pin): slower, and blind to repeats inside the same batch, but never lost.
 * A batch that fails to write is kept (up to {@code MAX_PENDING} clicks) and tried again; click ids are
 * the primary key and the insert skips ids already there, so a batch written twice counts once.
 */
public final class ClickRecorder implements Background {
  private static final Logger log = LoggerFactory.getLogger(ClickRecorder.class);
  /** Bounds the memory a PostgreSQL outage can take: ~100,000 clicks of under 1 KB each. */
  private static final int MAX_PENDING = 100_000;
  private static final String FIRST_IN_HOUR = """
      local out = {}
      for i, key in ipairs(KEYS) do
        out[i] = redis.call('SET', key, '1', 'NX', 'EX', ARGV[1]) and 1 or 0
      end
      return out""";
  private static final String INSERT = """
      WITH input AS (
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bytea[],
                             $7::bytea[], $8::text[], $9::text[], $10::timestamptz[])
          AS t(id, pin_id, merchant_id, pinner_id, viewer_id, ip_hash, ua_hash, referrer, reason, clicked_at)),
      decided AS (
        SELECT i.*, CASE
                      WHEN i.reason <> '?' THEN NULLIF(i.reason, '')
                      WHEN EXISTS (SELECT 1 FROM clicks c
                                    WHERE c.pin_id = i.pin_id AND c.ip_hash = i.ip_hash AND c.counted
                                      AND c.clicked_at > i.clicked_at - interval '1 hour') THEN 'repeat'
                    END AS why
          FROM input i),
      written AS (
        INSERT INTO clicks (id, pin_id, merchant_id, pinner_id, viewer_id, ip_hash, ua_hash, referrer, counted,
                            not_counted_reason, clicked_at)
        SELECT id, pin_id, merchant_id, pinner_id, viewer_id, ip_hash, ua_hash, referrer, why IS NULL, why, clicked_at
          FROM decided
        ON CONFLICT (id) DO NOTHING
        RETURNING pin_id, counted),
      per_pin AS (SELECT pin_id, count(*) AS clicks FROM written WHERE counted GROUP BY pin_id)
      UPDATE pins p SET click_count = p.click_count + per_pin.clicks FROM per_pin WHERE p.id = per_pin.pin_id
      RETURNING p.id, per_pin.clicks""";

  private final Vertx vertx;
  private final Context context;
  private final Pool pool;
  private final LocalEvents events;
  private final RedisScripts scripts;
  private final RedisScripts.Script firstInHour;
  private final RedisKeys keys;
  private final int batchSize;
  private boolean closed;
  private final ConcurrentLinkedQueue<Click> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  // Touched only on `context`:
  private final ArrayDeque<Decided> retry = new ArrayDeque<>();
  private final List<Promise<Void>> waiters = new ArrayList<>();
  private final ThreadLocal<Mac> hmac;
  private final int flushMs;
  private long timer = -1;
  private boolean flushing;
  private boolean redisWarned;
  private volatile boolean fullWarned;

  /** A click whose repeat check is done: reason is "bot", "repeat", "" (counted) or "?" (PostgreSQL decides). */
  private record Decided(Click click, String reason) {
  }

  public ClickRecorder(Vertx vertx, Pool pool, LocalEvents events, RedisScripts scripts, RedisKeys keys, String secret,
                       int batchSize, int flushMs) {
    byte[] key = secret.getBytes(StandardCharsets.UTF_8);
    if (key.length == 0) {
      log.warn("shop.click_secret (PINSTREAM_SHOP_CLICK_SECRET) is empty: using a random one for this process, so "
          + "click hashes and repeat detection differ between nodes and restarts");
      key = new byte[32];
      new SecureRandom().nextBytes(key);
    }
    byte[] hmacKey = key;
    this.hmac = ThreadLocal.withInitial(() -> {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(hmacKey, "HmacSHA256"));
        return mac;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    });
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.pool = pool;
    this.events = events;
    this.scripts = scripts;
    this.firstInHour = scripts.define(FIRST_IN_HOUR);
    this.keys = keys;
    this.batchSize = batchSize;
    this.flushMs = flushMs;
  }

  /** HMAC-SHA256 with the server's click secret: IP addresses and user agents are stored only like this. */
  public byte[] hash(String value) {
    return hmac.get().doFinal(value.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Takes the click, never waiting; false when the buffer is full (PostgreSQL is not keeping up): the
   * caller must not answer as if it had been recorded.
   */
  public boolean record(Click click) {
    if (queued.get() >= MAX_PENDING) {
      if (!fullWarned) {
        fullWarned = true;
        log.warn("click buffer full ({} waiting): PostgreSQL is not keeping up; redirects answer 503 meanwhile",
            MAX_PENDING);
      }
      return false;
    }
    fullWarned = false;
    queue.add(click);
    if (queued.incrementAndGet() == batchSize) {
      context.runOnContext(v -> flush());
    }
    return true;
  }

  /** Completes once every click recorded before this call is in PostgreSQL (or the timeout passed). */
  public Future<Void> written(long timeoutMs) {
    Promise<Void> promise = Promise.promise();
    context.runOnContext(v -> {
      waiters.add(promise);
      flush();
    });
    // Under steady traffic the buffer may never be empty: a waiter that timed out must not stay listed.
    return promise.future().timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onComplete(x -> context.runOnContext(v -> waiters.remove(promise)))
        .otherwiseEmpty();
  }

  @Override
  public Future<Void> start() {
    timer = vertx.setPeriodic(flushMs, id -> context.runOnContext(v -> flush()));
    return Future.succeededFuture();
  }

  /** Writes whatever still waits (the servers have drained: no click comes in any more), for at most 15 s. */
  @Override
  public Future<Void> stop() {
    return close(15_000).onFailure(e -> log.error("clicks still buffered at shutdown could not be written: {}",
        e.toString()));
  }

  /** Stops the timer and writes every waiting click, trying for at most {@code timeoutMs}. */
  public Future<Void> close(long timeoutMs) {
    vertx.cancelTimer(timer);
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      waiters.add(done);
      flush();
    });
    return done.future().timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onComplete(x -> context.runOnContext(v -> {
          // Given up (or done): no more retries against a pool that is about to close.
          closed = true;
          waiters.remove(done);
        }));
  }

  private void flush() {
    if (flushing || closed) {
      return;
    }
    List<Decided> ready = new ArrayList<>();
    while (!retry.isEmpty() && ready.size() < batchSize) {
      ready.add(retry.poll());
    }
    List<Click> fresh = new ArrayList<>();
    Click next;
    while (ready.size() + fresh.size() < batchSize && (next = queue.poll()) != null) {
      queued.decrementAndGet();
      fresh.add(next);
    }
    if (ready.isEmpty() && fresh.isEmpty()) {
      List<Promise<Void>> done = new ArrayList<>(waiters);
      waiters.clear();
      done.forEach(Promise::tryComplete);
      return;
    }
    flushing = true;
    decide(fresh)
        .compose(decided -> {
          ready.addAll(decided);
          return write(ready);
        })
        .onComplete(result -> {
          flushing = false;
          if (result.succeeded()) {
            publish(result.result());
            flush();
          } else {
            log.warn("writing {} clicks failed, will retry: {}", ready.size(), result.cause().toString());
            ready.forEach(retry::addLast);
            // Shutdown must not spin on a database that is gone: waiters get their answer after the retry.
            if (!waiters.isEmpty() && !closed) {
              vertx.setTimer(200, id -> context.runOnContext(v -> flush()));
            }
          }
        });
  }

  private Future<List<Decided>> decide(List<Click> clicks) {
    List<Click> humans = clicks.stream().filter(c -> !c.bot()).toList();
    if (humans.isEmpty()) {
      return Future.succeededFuture(clicks.stream().map(c -> new Decided(c, "bot")).toList());
    }
    List<String> repeatKeys = new ArrayList<>(humans.size());
    humans.forEach(c -> repeatKeys.add(keys.key("click", c.pinId(), HexFormat.of().formatHex(c.ipHash()))));
    return scripts.send(firstInHour.call(repeatKeys, "3600"))
        .map(reply -> {
          List<Decided> out = new ArrayList<>(clicks.size());
          int i = 0;
          for (Click c : clicks) {
            out.add(c.bot() ? new Decided(c, "bot") : new Decided(c, reply.get(i++).toInteger() == 1 ? "" : "repeat"));
          }
          return out;
        })
        .otherwise(e -> {
          if (!redisWarned) {
            redisWarned = true;
            log.warn("Redis did not answer the click repeat check ({}); PostgreSQL decides until it does", e.toString());
          }
          return clicks.stream().map(c -> new Decided(c, c.bot() ? "bot" : "?")).toList();
        });
  }

  private Future<List<Row>> write(List<Decided> batch) {
    int n = batch.size();
    String[] ids = new String[n];
    Long[] pins = new Long[n];
    Long[] merchants = new Long[n];
    Long[] pinners = new Long[n];
    Long[] viewers = new Long[n];
    Buffer[] ips = new Buffer[n];
    Buffer[] agents = new Buffer[n];
    String[] referrers = new String[n];
    String[] reasons = new String[n];
    OffsetDateTime[] times = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      Click c = batch.get(i).click();
      ids[i] = c.id();
      pins[i] = c.pinId();
      merchants[i] = c.merchantId();
      pinners[i] = c.pinnerId();
      viewers[i] = c.viewerId();
      ips[i] = Buffer.buffer(c.ipHash());
      agents[i] = Buffer.buffer(c.uaHash());
      referrers[i] = c.referrer();
      reasons[i] = batch.get(i).reason();
      times[i] = c.clickedAt();
    }
    return pool.preparedQuery(INSERT)
        .execute(Tuple.from(new Object[]{ids, pins, merchants, pinners, viewers, ips, agents, referrers, reasons, times}))
        .map(rows -> {
          List<Row> out = new ArrayList<>();
          rows.forEach(out::add);
          return out;
        });
  }

  private void publish(List<Row> counted) {
    if (!counted.isEmpty()) {
      events.publish(new PinsClicked(counted.stream().map(row -> row.getLong(0)).toList()));
    }
  }

  /** Clicks handed over but not yet written (for metrics and tests). */
  public int waiting() {
    return queued.get() + retry.size();
  }
}
