package io.pinstream.web;

import io.pinstream.common.ServiceException;
import io.pinstream.common.Problems;
import io.pinstream.infra.RedisKeys;
import io.vertx.core.Future;
import io.pinstream.infra.RedisScripts;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

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

  private final RedisScripts scripts;
  private final RedisScripts.Script hit;
  private final RedisKeys keys;

  public RateLimiter(RedisScripts scripts, RedisKeys keys) {
    this.scripts = scripts;
    this.hit = scripts.define(HIT);
    this.keys = keys;
  }

  /** Counts one event; fails with 429 (and Retry-After) once more than {@code limit} fall in the window. */
  public Future<Void> hit(String what, String who, int limit, int windowSeconds) {
    String key = keys.key("rl", what, who);
    return scripts.send(hit.call(key, String.valueOf(windowSeconds * 1000L)))
        .compose(reply -> {
          long count = reply.get(0).toLong();
          long ttlMillis = reply.get(1).toLong();
          return count > limit ? Future.failedFuture(tooMany(what, ttlMillis)) : Future.succeededFuture();
        });
  }

  /** Fails with 429 when the counter is already at {@code limit}, without counting this call. */
  public Future<Void> check(String what, String who, int limit) {
    String key = keys.key("rl", what, who);
    return scripts.batch(List.of(Request.cmd(Command.GET).arg(key), Request.cmd(Command.PTTL).arg(key)))
        .compose(replies -> {
          Response count = replies.get(0);
          return count == null || count.toLong() < limit
              ? Future.succeededFuture()
              : Future.failedFuture(tooMany(what, replies.get(1).toLong()));
        });
  }

  private static ServiceException tooMany(String what, long ttlMillis) {
    int seconds = (int) Math.max(1, (ttlMillis + 999) / 1000);
    return Problems.rateLimited("Too many " + what.replace('_', ' ') + " attempts; retry in " + seconds + " s", seconds);
  }
}
