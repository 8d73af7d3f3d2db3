package io.pinstream.web;

import io.pinstream.common.ServiceException;
import io.pinstream.common.Problems;
import io.pinstream.infra.RedisKeys;
import io.vertx.core.Future;
import io.pinstream.infra.RedisScripts;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

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

  /**
   * Counts an attempt before it is tried, so concurrent attempts cannot all slip under the limit;
   * past the limit, locks for a time that doubles with each lock in a day (backoff).
   * KEYS: attempts, lock, lock level; ARGV: limit, window ms, first lock ms, longest lock ms.
   * Returns {allowed (1/0), ms until the lock ends}.
   */
  private static final String ATTEMPT = """
      local locked = redis.call('PTTL', KEYS[2])
      if locked > 0 then return {0, locked} end
      local n = redis.call('INCR', KEYS[1])
      if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
      if n <= tonumber(ARGV[1]) then return {1, 0} end
      local level = redis.call('INCR', KEYS[3])
      redis.call('PEXPIRE', KEYS[3], 86400000)
      local ms = math.min(tonumber(ARGV[3]) * 2 ^ (level - 1), tonumber(ARGV[4]))
      redis.call('SET', KEYS[2], '1', 'PX', math.floor(ms))
      redis.call('DEL', KEYS[1])
      return {0, math.floor(ms)}
      """;
  /** KEYS: the counter; ARGV: amount, limit, window ms. Adds only when it stays within the limit: {taken, ms left}. */
  private static final String TAKE = """
      local n = tonumber(redis.call('GET', KEYS[1]) or '0')
      if n + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return {0, redis.call('PTTL', KEYS[1])} end
      redis.call('INCRBY', KEYS[1], ARGV[1])
      if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
      return {1, 0}
      """;
  private static final long DAY_MS = 86_400_000L;

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RateLimiter.class);
  private volatile boolean redisDownLogged;
  private final RedisScripts scripts;
  private final RedisScripts.Script hit;
  private final RedisScripts.Script attempt;
  private final RedisScripts.Script take;
  private final RedisKeys keys;

  public RateLimiter(RedisScripts scripts, RedisKeys keys) {
    this.scripts = scripts;
    this.hit = scripts.define(HIT);
    this.attempt = scripts.define(ATTEMPT);
    this.take = scripts.define(TAKE);
    this.keys = keys;
  }

  /**
   * Like {@link #hit}, but when Redis cannot count, the event is let through (and logged): for
   * limits against spam (pins, saves, uploads), where refusing every write while Redis is away would
   * hurt everyone more than a few minutes without the limit. Guessing (log-ins) stays closed.
   */
  public Future<Void> hitUnlessDown(String what, String who, int limit, int windowSeconds) {
    return hit(what, who, limit, windowSeconds).recover(e -> {
      if (e instanceof ServiceException s && s.status() == 429) {
        return Future.failedFuture(e);
      }
      if (!redisDownLogged) {
        redisDownLogged = true;
        log.warn("rate limits against spam are not counted while Redis does not answer: {}", e.toString());
      }
      return Future.succeededFuture();
    }).onSuccess(v -> redisDownLogged = false);
  }

  /**
   * Takes {@code amount} of a quota (bytes uploaded today, say): 429 when it would go past
   * {@code limit} in the window, and then nothing is taken. Let through while Redis cannot count,
   * like {@link #hitUnlessDown}.
   */
  public Future<Void> takeUnlessDown(String what, String who, long amount, long limit, int windowSeconds) {
    return scripts.send(take.call(keys.key("rl", what, who), Long.toString(amount), Long.toString(limit),
            Long.toString(windowSeconds * 1000L)))
        .compose(reply -> reply.get(0).toInteger() == 1
            ? Future.<Void>succeededFuture()
            : Future.failedFuture(Problems.rateLimited("The " + what.replace('_', ' ') + " quota is used up; "
                + "it frees up within a day", (int) Math.max(1, (reply.get(1).toLong() + 999) / 1000))))
        .recover(e -> e instanceof ServiceException s && s.status() == 429 ? Future.failedFuture(e)
            : Future.succeededFuture());
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

  /**
   * Counts an attempt of something that can be guessed (a password) before it is tried: at most
   * {@code limit} in the window, then 429 for a lock of {@code windowSeconds}, doubling with each
   * further lock within a day. {@link #succeeded} clears the count.
   */
  public Future<Void> attempt(String what, String who, int limit, int windowSeconds) {
    long windowMs = windowSeconds * 1000L;
    return scripts.send(attempt.call(List.of(keys.key("rl", what, who), keys.key("rl", what, who, "lock"),
            keys.key("rl", what, who, "level")), Integer.toString(limit), Long.toString(windowMs),
            Long.toString(windowMs), Long.toString(DAY_MS)))
        .compose(reply -> reply.get(0).toInteger() == 1
            ? Future.succeededFuture()
            : Future.failedFuture(tooMany(what, reply.get(1).toLong())));
  }

  /** The attempts succeeded: their count starts again (a lock in force stays). */
  public Future<Void> succeeded(String what, String who) {
    return scripts.send(Request.cmd(Command.DEL).arg(keys.key("rl", what, who))).mapEmpty();
  }

  private static ServiceException tooMany(String what, long ttlMillis) {
    int seconds = (int) Math.max(1, (ttlMillis + 999) / 1000);
    return Problems.rateLimited("Too many " + what.replace('_', ' ') + " attempts; retry in " + seconds + " s", seconds);
  }
}
