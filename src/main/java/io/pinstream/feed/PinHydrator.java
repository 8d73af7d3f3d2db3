package io.pinstream.feed;

import io.pinstream.infra.RedisKeys;
import io.pinstream.pins.Pin;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a page of pin ids into pin objects: one pipelined round trip to the Redis pin cache, then
 * one batched PostgreSQL query for whatever the cache lacked (which is then cached). Deleted pins
 * come back from neither and simply drop out of the page.
 */
public final class PinHydrator {
  private final Redis redis;
  private final RedisKeys keys;
  private final Pool pool;
  private final String imageBaseUrl;
  private final int ttlSeconds;

  public PinHydrator(Redis redis, RedisKeys keys, Pool pool, String imageBaseUrl, int ttlSeconds) {
    this.redis = redis;
    this.keys = keys;
    this.pool = pool;
    this.imageBaseUrl = imageBaseUrl;
    this.ttlSeconds = ttlSeconds;
  }

  String key(long pinId) {
    return keys.key("pin", pinId);
  }

  /** Pins in the order of {@code ids}, missing (deleted) ones left out. */
  public Future<List<JsonObject>> hydrate(List<Long> ids) {
    return hydrateEncoded(ids).map(encoded -> encoded.stream().map(JsonObject::new).toList());
  }

  /**
   * The same, as encoded JSON: a feed page is the cached bytes put side by side, never parsed and
   * encoded again (that would be most of a feed read's CPU).
   */
  public Future<List<Buffer>> hydrateEncoded(List<Long> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Request> gets = new ArrayList<>(ids.size());
    ids.forEach(id -> gets.add(Request.cmd(Command.GET).arg(key(id))));
    return redis.batch(gets)
        .otherwise(e -> null) // a cache that does not answer is a cache miss, not an error
        .compose(cached -> {
          Map<Long, Buffer> found = new HashMap<>();
          List<Long> missing = new ArrayList<>();
          for (int i = 0; i < ids.size(); i++) {
            Response r = cached == null ? null : cached.get(i);
            if (r != null) {
              found.put(ids.get(i), r.toBuffer());
            } else {
              missing.add(ids.get(i));
            }
          }
          if (missing.isEmpty()) {
            return Future.succeededFuture(ordered(ids, found));
          }
          return load(missing).map(loaded -> {
            found.putAll(loaded);
            return ordered(ids, found);
          });
        });
  }

  private Future<Map<Long, Buffer>> load(List<Long> ids) {
    return pool.preparedQuery(Pin.SELECT + " WHERE p.id = ANY($1) AND p.deleted_at IS NULL")
        .execute(Tuple.tuple().addArrayOfLong(ids.toArray(Long[]::new)))
        .map(rows -> {
          Map<Long, Buffer> out = new HashMap<>();
          List<Request> sets = new ArrayList<>();
          rows.forEach(row -> {
            Pin pin = Pin.from(row);
            Buffer json = pin.toJson(imageBaseUrl).toBuffer();
            out.put(pin.id(), json);
            // A pin whose media is still processing would be cached without its images: not cached.
            if (pin.media().ready()) {
              sets.add(Request.cmd(Command.SET).arg(key(pin.id())).arg(json).arg("EX").arg(ttlSeconds));
            }
          });
          if (!sets.isEmpty()) {
            redis.batch(sets);
          }
          return out;
        });
  }

  /** Drops cached copies after a pin changed (deleted, saved, clicked). */
  public Future<Void> evict(List<Long> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    Request del = Request.cmd(Command.DEL);
    ids.forEach(id -> del.arg(key(id)));
    return redis.send(del).mapEmpty();
  }

  private static List<Buffer> ordered(List<Long> ids, Map<Long, Buffer> found) {
    List<Buffer> out = new ArrayList<>(ids.size());
    for (long id : ids) {
      Buffer pin = found.get(id);
      if (pin != null) {
        out.add(pin);
      }
    }
    return out;
  }
}
