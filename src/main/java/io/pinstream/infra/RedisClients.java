package io.pinstream.infra;

import io.pinstream.config.Config;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/** The pooled Redis client used for commands (pub/sub, which needs its own connection, lives in live/). */
public final class RedisClients {
  private RedisClients() {
  }

  public static Redis commands(Vertx vertx, Config.Redis redis) {
    return Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(redis.uri())
        .setMaxPoolSize(redis.poolSize())
        .setMaxPoolWaiting(redis.poolSize() * 64)
        .setMaxWaitingHandlers(4096));
  }
}
