package io.pinstream.infra;

import io.pinstream.config.Config;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/** The Redis client used for commands (pub/sub, which needs its own connection, lives in live/). */
public final class RedisClients {
  private RedisClients() {
  }

  public static Redis commands(Vertx vertx, Config.Redis redis) {
    // One held connection per event loop, and a pool for the rest (see MultiplexedRedis).
    // PinstreamApp.createVertx keeps Vert.x's default number of event loops.
    Redis dialer = Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(redis.uri())
        .setMaxPoolSize(VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE)
        .setMaxWaitingHandlers(4096));
    Redis pooled = Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(redis.uri())
        .setMaxPoolSize(redis.poolSize())
        .setMaxPoolWaiting(redis.poolSize() * 64)
        .setMaxWaitingHandlers(4096));
    return new MultiplexedRedis(vertx, dialer, pooled, redis.commandTimeoutMs());
  }
}
