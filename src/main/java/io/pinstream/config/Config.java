package io.pinstream.config;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.nio.file.Path;

/** The whole configuration, validated once at start so a wrong setting fails fast with one line. */
public record Config(Http http, Management management, Pg pg, Redis redis, Media media, Feed feed, Auth auth,
                     RateLimits rateLimits, Shop shop, Live live) {

  /** Where operators read {@code /metrics} (and the probes): a separate port, on loopback by default. */
  public record Management(String host, int port) {
  }

  public record Http(String host, int port, int instances, int jsonBodyLimit, int shutdownGraceSeconds,
                     boolean trustForwardedFor) {
  }

  /**
   * @param queryTimeoutMs           a statement's or transaction's deadline on the request path: past it the
   *                                 request is answered 503 + Retry-After, not kept waiting on a frozen server
   * @param backgroundQueryTimeoutMs the same for background work (fan-out sweeps, click batches), which may
   *                                 take longer; also the server-side {@code statement_timeout}
   */
  public record Pg(String uri, int poolSize, int queryTimeoutMs, int backgroundQueryTimeoutMs) {
  }

  /** @param commandTimeoutMs a Redis command's deadline: past it the request is answered 503, not kept waiting */
  public record Redis(String uri, String keyPrefix, int poolSize, int commandTimeoutMs) {
  }

  /**
   * @param syncWaitMs      how long an upload waits for its thumbnails before answering 202 instead of 201
   * @param jobLeaseSeconds how long a node may work on a thumbnail job before another node takes it over
   * @param publicBaseUrl   prefix of image URLs (a CDN origin, e.g. https://img.example.com); empty: absolute paths
   * @param unreferencedMaxAgeHours media that no pin uses are deleted (row and files) once this old
   * @param urlSecret       HMAC key signing on-the-fly image sizes ({@code /i/{sha256}/{w}x{h}/{fit}.{ext}?s=});
   *                        empty: a random one per process (signed URLs then differ between nodes and restarts)
   * @param variantCacheBytes disk quota of rendered on-the-fly sizes and WebP copies; least recently used go first
   * @param webpQuality     libwebp quality (0-100) of the WebP served to clients that accept it
   */
  public record Media(Path dir, long maxUploadBytes, long maxPixels, int workers, int queueSize, int syncWaitMs,
                      int jobLeaseSeconds, String publicBaseUrl, int unreferencedMaxAgeHours, String urlSecret,
                      long variantCacheBytes, int webpQuality) {
  }

  /**
   * @param homeCap              most pins a hot home feed (and board/user feed) keeps in Redis; older ones come from PostgreSQL
   * @param celebrityThreshold   users and boards with at least this many followers are not fanned out; merged at read time
   * @param trendingDecaySeconds trending score: log10(engagement) + created_at / this; engagement counts 10x per this many seconds of age
   * @param trendingSnapshotSeconds trending pages come from one snapshot of the ranking per this many seconds
   * @param outboxLeaseSeconds   after this, an unfinished fan-out (crashed node) is taken over
   */
  public record Feed(int homeCap, int celebrityThreshold, int pinCacheTtlSeconds, int trendingSize,
                     int trendingDecaySeconds, int trendingSnapshotSeconds, int outboxLeaseSeconds) {
  }

  /**
   * @param sessionIdleSeconds a session unused this long ends (besides its absolute {@code sessionTtlDays})
   * @param passwordQueueSize  password hashes and checks running or waiting at most; more get 503
   */
  public record Auth(int bcryptCost, int sessionTtlDays, int sessionIdleSeconds, int passwordQueueSize) {
  }

  /**
   * @param allowedOrigins    browser origins allowed to open live connections (comma-separated); empty: the request's own host
   * @param maxQueuedMessages messages a connection may have unwritten before it is closed as a slow consumer
   * @param replayMaxPins     most pins replayed for one topic after {@code since}; past it the client is told to resync
   * @param warmUpConnections WebSockets the node opens to itself at start to run the live path before it is
   *                          ready (io.pinstream.live.LiveWarmUp); 0: none
   */
  public record Live(java.util.List<String> allowedOrigins, int maxFrameBytes, int maxSubscriptions,
                     int maxQueuedMessages, int replayMaxPins, int pingSeconds, int idleTimeoutSeconds,
                     int sseHeartbeatSeconds, int maxFramesPerSecond, int maxConnectionsPerAddress,
                     int historySize, int historyTtlSeconds, int warmUpConnections) {
  }

  public record RateLimits(int signupsPerIpPerHour, int signupsPerUsernamePerHour, int loginsPerIpPer15Min,
                           int failedLoginsPerUsernamePer15Min, int uploadsPerUserPerHour,
                           long uploadBytesPerUserPerDay, int pinsPerUserPerMinute, int savesPerUserPerMinute) {
  }

  /**
   * @param clickSecret     HMAC key for the IP and user-agent hashes of clicks; empty: a random one per process
   *                        (hashes then differ between nodes and restarts, so set it in production)
   * @param pinnerShareBps  the pinner's share of each commission, in basis points
   * @param clickBatchSize  clicks written to PostgreSQL in one statement at most
   * @param clickFlushMs    how often buffered clicks are written
   * @param domainVerification whether /go redirects only to merchants that proved their domain ("on");
   *                        "off" treats every domain as verified (development and tests)
   * @param verificationUrl where a merchant's verification file is read, {domain} replaced
   */
  public record Shop(String clickSecret, int pinnerShareBps, int clickBatchSize, int clickFlushMs,
                     boolean domainVerification, String verificationUrl) {
  }

  public static Config from(JsonObject json) {
    Reader r = new Reader(json);
    Http http = new Http(
        r.string("http", "host"),
        r.integer("http", "port", 0, 65535),
        r.integer("http", "instances", 0, 256),
        r.integer("http", "json_body_limit", 1024, 16 * 1024 * 1024),
        r.integer("http", "shutdown_grace_seconds", 0, 600),
        r.bool("http", "trust_forwarded_for"));
    Management management = new Management(r.string("management", "host"),
        r.integer("management", "port", 0, 65535));
    Pg pg = new Pg(r.uri("pg", "uri", "postgresql", "postgres"), r.integer("pg", "pool_size", 1, 1000),
        r.integer("pg", "query_timeout_ms", 10, 600_000), r.integer("pg", "background_query_timeout_ms", 10, 3_600_000));
    Redis redis = new Redis(r.uri("redis", "uri", "redis", "rediss"), r.string("redis", "key_prefix"),
        r.integer("redis", "pool_size", 1, 1000), r.integer("redis", "command_timeout_ms", 10, 600_000));
    Media media = new Media(Path.of(r.string("media", "dir")),
        r.number("media", "max_upload_bytes", 1, Long.MAX_VALUE),
        r.number("media", "max_pixels", 1, 1_000_000_000L),
        r.integer("media", "workers", 1, 256),
        r.integer("media", "queue_size", 1, 100_000),
        r.integer("media", "sync_wait_ms", 0, 60_000),
        r.integer("media", "job_lease_seconds", 1, 3600),
        r.optionalString("media", "public_base_url"),
        r.integer("media", "unreferenced_max_age_hours", 1, 24 * 365 * 10),
        r.secret("media", "url_secret"),
        r.number("media", "variant_cache_bytes", 0, Long.MAX_VALUE),
        r.integer("media", "webp_quality", 1, 100));
    Feed feed = new Feed(r.integer("feed", "home_cap", 10, 100_000),
        r.integer("feed", "celebrity_threshold", 1, Integer.MAX_VALUE),
        r.integer("feed", "pin_cache_ttl_seconds", 1, 86_400),
        r.integer("feed", "trending_size", 10, 100_000),
        r.integer("feed", "trending_decay_seconds", 60, 10_000_000),
        r.integer("feed", "trending_snapshot_seconds", 1, 900),
        r.integer("feed", "outbox_lease_seconds", 1, 3600));
    Auth auth = new Auth(r.integer("auth", "bcrypt_cost", 4, 31), r.integer("auth", "session_ttl_days", 1, 3650),
        r.integer("auth", "session_idle_seconds", 1, Integer.MAX_VALUE),
        r.integer("auth", "password_queue_size", 1, 100_000));
    RateLimits limits = new RateLimits(
        r.integer("rate_limits", "signups_per_ip_per_hour", 1, Integer.MAX_VALUE),
        r.integer("rate_limits", "signups_per_username_per_hour", 1, Integer.MAX_VALUE),
        r.integer("rate_limits", "logins_per_ip_per_15min", 1, Integer.MAX_VALUE),
        r.integer("rate_limits", "failed_logins_per_username_per_15min", 1, Integer.MAX_VALUE),
        r.integer("rate_limits", "uploads_per_user_per_hour", 1, Integer.MAX_VALUE),
        r.number("rate_limits", "upload_bytes_per_user_per_day", 1, Long.MAX_VALUE / 2),
        r.integer("rate_limits", "pins_per_user_per_minute", 1, Integer.MAX_VALUE),
        r.integer("rate_limits", "saves_per_user_per_minute", 1, Integer.MAX_VALUE));
    Shop shop = new Shop(r.secret("shop", "click_secret"),
        r.integer("shop", "pinner_share_bps", 0, 10_000),
        r.integer("shop", "click_batch_size", 1, 10_000),
        r.integer("shop", "click_flush_ms", 1, 600_000),
        r.onOff("shop", "domain_verification"),
        r.string("shop", "verification_url"));
    Live live = new Live(
        java.util.Arrays.stream(r.optionalString("live", "allowed_origins").split(","))
            .map(String::trim).filter(o -> !o.isEmpty()).toList(),
        r.integer("live", "max_frame_bytes", 256, 1024 * 1024),
        r.integer("live", "max_subscriptions", 1, 10_000),
        r.integer("live", "max_queued_messages", 1, 100_000),
        r.integer("live", "replay_max_pins", 0, 100_000),
        r.integer("live", "ping_seconds", 1, 3600),
        r.integer("live", "idle_timeout_seconds", 2, 86_400),
        r.integer("live", "sse_heartbeat_seconds", 1, 3600),
        r.integer("live", "max_frames_per_second", 1, 10_000),
        r.integer("live", "max_connections_per_address", 1, 1_000_000),
        r.integer("live", "history_size", 10, 1_000_000),
        r.integer("live", "history_ttl_seconds", 60, 30 * 86_400),
        r.integer("live", "warm_up_connections", 0, 10_000));
    return new Config(http, management, pg, redis, media, feed, auth, limits, shop, live);
  }

  /** Reads typed settings and names the environment variable in every complaint. */
  private record Reader(JsonObject json) {
    private Object raw(String section, String key) {
      JsonObject s = json.getJsonObject(section);
      Object v = s == null ? null : s.getValue(key);
      if (v == null) {
        throw new ConfigException("missing setting " + section + "." + key + " (" + env(section, key) + ")");
      }
      return v;
    }

    String string(String section, String key) {
      Object v = raw(section, key);
      if (!(v instanceof String s) || s.isBlank()) {
        throw new ConfigException(env(section, key) + " must be a non-empty string");
      }
      return s;
    }

    String optionalString(String section, String key) {
      Object v = raw(section, key);
      if (!(v instanceof String s)) {
        throw new ConfigException(env(section, key) + " must be a string");
      }
      return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** A string kept exactly as given (may be empty). */
    String secret(String section, String key) {
      if (!(raw(section, key) instanceof String s)) {
        throw new ConfigException(env(section, key) + " must be a string");
      }
      return s;
    }

    boolean onOff(String section, String key) {
      String value = string(section, key);
      if (!value.equals("on") && !value.equals("off")) {
        throw new ConfigException(env(section, key) + " must be on or off, got '" + value + "'");
      }
      return value.equals("on");
    }

    boolean bool(String section, String key) {
      if (!(raw(section, key) instanceof Boolean b)) {
        throw new ConfigException(env(section, key) + " must be true or false");
      }
      return b;
    }

    long number(String section, String key, long min, long max) {
      Object v = raw(section, key);
      if (!(v instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < min || n.longValue() > max) {
        throw new ConfigException(env(section, key) + " must be a whole number from " + min + " to " + max + ", got " + v);
      }
      return n.longValue();
    }

    int integer(String section, String key, int min, int max) {
      return (int) number(section, key, min, max);
    }

    String uri(String section, String key, String... schemes) {
      String value = string(section, key);
      try {
        URI uri = new URI(value);
        for (String scheme : schemes) {
          if (scheme.equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null) {
            return value;
          }
        }
      } catch (Exception ignored) {
        // reported below
      }
      throw new ConfigException(env(section, key) + " must be a " + schemes[0] + "://host... URI, got '" + value + "'");
    }

    private static String env(String section, String key) {
      return ("PINSTREAM_" + section + "_" + key).toUpperCase();
    }
  }
}
