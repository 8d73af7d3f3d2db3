package io.pinstream;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pinstream.accounts.PasswordHasher;
import io.pinstream.accounts.SessionCache;
import io.pinstream.config.Config;
import io.pinstream.feed.FanOut;
import io.pinstream.feed.FeedService;
import io.pinstream.infra.RedisKeys;
import io.pinstream.live.LiveRelay;
import io.pinstream.media.MediaStorage;
import io.pinstream.media.ThumbnailQueue;
import io.vertx.redis.client.Redis;
import io.pinstream.shop.ClickRecorder;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;

/**
 * What every feature needs, built once per process and shared by all HTTP verticle instances
 * (the pools are thread-safe; stores built from them hold no per-request state).
 */
public record Services(Config config, Pool pg, Redis redisClient, RedisAPI redis, RedisKeys keys,
                       PrometheusMeterRegistry metrics, PasswordHasher passwords, MediaStorage mediaStorage,
                       ThumbnailQueue thumbnails, FeedService feeds, FanOut fanOut, ClickRecorder clicks,
                       LiveRelay live, SessionCache sessions) {
}
