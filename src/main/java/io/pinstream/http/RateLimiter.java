package io.pinstream.http;

import io.pinstream.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;

import java.util.List;

/**
 * Fixed-window counters in Redis. One Lua script increments and sets the window's expiry
 * atomically, so a crash between the two can never leave a counter that never expires.
 */
public final class RateLimiter {
  private static final String HIT = """
      local n = redis.call('INCR', KEYS[1])
      local ttl = redis.call('PTTL', KEYS[1])
      if ttl < 0 then
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        ttl = tonumber(ARGV[1])
      end
      return {n, ttl}
      """;

  private final RedisAPI redis;
  private final RedisKeys keys;

  public RateLimiter(RedisAPI redis, RedisKeys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  /** Counts one event; fails with 429 (and Retry-After) once more than {@code limit} fall in the window. */
  public Future<Void> hit(String what, String who, int limit, int windowSeconds) {
    String key = keys.key("rl", what, who);
    return redis.eval(List.of(HIT, "1", key, String.valueOf(windowSeconds * 1000L)))
        .compose(reply -> {
          long count = reply.get(0).toLong();
          long ttlMillis = reply.get(1).toLong();
          return count > limit ? Future.failedFuture(tooMany(what, ttlMillis)) : Future.succeededFuture();
        });
  }

  /** Fails with 429 when the counter is already at {@code limit}, without counting this call. */
  public Future<Void> check(String what, String who, int limit) {
    String key = keys.key("rl", what, who);
    return redis.get(key).compose(count -> {
      if (count == null || count.toLong() < limit) {
        return Future.succeededFuture();
      }
      return redis.pttl(key).compose(ttl -> Future.failedFuture(tooMany(what, ttl.toLong())));
    });
  }

  private static ApiException tooMany(String what, long ttlMillis) {
    int seconds = (int) Math.max(1, (ttlMillis + 999) / 1000);
    return Problems.rateLimited("Too many " + what.replace('_', ' ') + " attempts; retry in " + seconds + " s", seconds);
  }
}
