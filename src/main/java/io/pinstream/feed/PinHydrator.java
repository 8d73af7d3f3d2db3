package io.pinstream.feed;

import io.pinstream.infra.RedisKeys;
import io.pinstream.pins.Pin;
import io.pinstream.pins.PinEncoder;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a page of pin ids into pin objects, from three tiers: this process's own copies of the
 * pins it served in the last seconds; then one MGET to the Redis pin cache for the rest; then one
 * batched PostgreSQL query for whatever Redis lacked (which is then cached in both). Deleted pins
 * come back from none and simply drop out of the page.
 *
 * <p>A pin changes in its counts (saves, clicks), by its owner's edit of its words or link, and by
 * being deleted. {@link #evict} drops both copies on this node at once; other nodes drop theirs when
 * a deletion reaches them over the live relay ({@link #forgetLocally}), and their counts and edits
 * may lag by up to {@link #NEAR_TTL}.
 */
public final class PinHydrator {
  static final Duration NEAR_TTL = Duration.ofSeconds(5);
  /** About 40,000 pins of ~800 bytes: a node's hot set, for a bounded slice of its heap. */
  private static final long NEAR_BYTES = 32L << 20;
  private final Cache<Long, byte[]> near = Caffeine.newBuilder()
      .maximumWeight(NEAR_BYTES)
      .weigher((Long id, byte[] json) -> json.length + 64)
      .expireAfterWrite(NEAR_TTL)
      .executor(Runnable::run) // eviction bookkeeping on the caller's thread, not the common pool
      .build();
  private final Redis redis;
  private final RedisKeys keys;
  private final Pool pool;
  private final PinEncoder encoder;
  private final int ttlSeconds;

  public PinHydrator(Redis redis, RedisKeys keys, Pool pool, PinEncoder encoder, int ttlSeconds) {
    this.redis = redis;
    this.keys = keys;
    this.pool = pool;
    this.encoder = encoder;
    this.ttlSeconds = ttlSeconds;
  }

  String key(long pinId) {
    return keys.key("pin", pinId);
  }

  /**
   * Pins in the order of {@code ids}, missing (deleted) ones left out, as encoded JSON: a feed page is the cached bytes put side by side, never parsed and
   * encoded again (that would be most of a feed read's CPU). The arrays are shared: never write them.
   */
  public Future<List<byte[]>> hydrateEncoded(List<Long> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    byte[][] found = new byte[ids.size()][];
    List<Integer> notNear = new ArrayList<>();
    for (int i = 0; i < found.length; i++) {
      found[i] = near.getIfPresent(ids.get(i));
      if (found[i] == null) {
        notNear.add(i);
      }
    }
    if (notNear.isEmpty()) {
      return Future.succeededFuture(present(found));
    }
    Request mget = Request.cmd(Command.MGET);
    notNear.forEach(i -> mget.arg(key(ids.get(i))));
    return redis.send(mget)
        .otherwise(e -> null) // a cache that does not answer is a cache miss, not an error
        .compose(cached -> {
          List<Long> missing = new ArrayList<>();
          for (int n = 0; n < notNear.size(); n++) {
            Response r = cached == null ? null : cached.get(n);
            int i = notNear.get(n);
            if (r != null) {
              found[i] = r.toBytes();
              near.put(ids.get(i), found[i]);
            } else {
              missing.add(ids.get(i));
            }
          }
          if (missing.isEmpty()) {
            return Future.succeededFuture(present(found));
          }
          return load(missing).map(loaded -> {
            for (int i = 0; i < found.length; i++) {
              if (found[i] == null) {
                found[i] = loaded.get(ids.get(i));
              }
            }
            return present(found);
          });
        });
  }

  private Future<Map<Long, byte[]>> load(List<Long> ids) {
    return pool.preparedQuery(Pin.SELECT + " WHERE p.id = ANY($1) AND p.deleted_at IS NULL")
        .execute(Tuple.tuple().addArrayOfLong(ids.toArray(Long[]::new)))
        .map(rows -> {
          Map<Long, byte[]> out = new HashMap<>();
          List<Request> sets = new ArrayList<>();
          rows.forEach(row -> {
            Pin pin = Pin.from(row);
            byte[] json = encoder.encode(pin);
            out.put(pin.id(), json);
            // A pin whose media is still processing would be cached without its images: not cached.
            if (pin.media().ready()) {
              near.put(pin.id(), json);
              sets.add(Request.cmd(Command.SET).arg(key(pin.id())).arg(json).arg("EX").arg(ttlSeconds));
            }
          });
          if (!sets.isEmpty()) {
            redis.batch(sets);
          }
          return out;
        });
  }

  /**
   * A pin just created, encoded by its creator: cached as it is, so its fan-out, its first readers and
   * its live event all use these bytes. A pin whose media is still processing is not cached (it
   * would stay without its images), as in {@link #load}.
   */
  public void prime(long pinId, byte[] json, boolean mediaReady) {
    if (mediaReady) {
      near.put(pinId, json);
      redis.send(Request.cmd(Command.SET).arg(key(pinId)).arg(json).arg("EX").arg(ttlSeconds));
    }
  }

  /** Drops cached copies after a pin changed (deleted, edited, saved, clicked). */
  public Future<Void> evict(List<Long> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    near.invalidateAll(ids);
    Request del = Request.cmd(Command.DEL);
    ids.forEach(id -> del.arg(key(id)));
    return redis.send(del).mapEmpty();
  }

  /** Another node deleted the pin: drop this node's copy (the Redis one is gone already). */
  public void forgetLocally(long pinId) {
    near.invalidate(pinId);
  }

  /** The pins found, in page order; deleted ones (null) left out. */
  private static List<byte[]> present(byte[][] found) {
    List<byte[]> out = new ArrayList<>(found.length);
    for (byte[] json : found) {
      if (json != null) {
        out.add(json);
      }
    }
    return out;
  }

}
