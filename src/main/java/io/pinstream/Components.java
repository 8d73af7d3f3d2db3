package io.pinstream;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pinstream.accounts.Auth;
import io.pinstream.accounts.FollowEvents;
import io.pinstream.accounts.PasswordHasher;
import io.pinstream.accounts.SessionStore;
import io.pinstream.accounts.UserStore;
import io.pinstream.boards.BoardFollowEvents;
import io.pinstream.boards.BoardStore;
import io.pinstream.config.Config;
import io.pinstream.config.ConfigException;
import io.pinstream.feed.FanOut;
import io.pinstream.feed.FeedQueries;
import io.pinstream.feed.FeedService;
import io.pinstream.feed.FeedStore;
import io.pinstream.feed.PinHydrator;
import io.pinstream.feed.Trending;
import io.pinstream.infra.ClusterChannel;
import io.pinstream.infra.Database;
import io.pinstream.infra.DeadlinePool;
import io.pinstream.infra.Lifecycle;
import io.pinstream.infra.LocalEvents;
import io.pinstream.infra.RedisClients;
import io.pinstream.infra.RedisKeys;
import io.pinstream.infra.RedisScripts;
import io.pinstream.live.LiveFollows;
import io.pinstream.live.LiveRelay;
import io.pinstream.media.MediaHousekeeping;
import io.pinstream.media.MediaProcessor;
import io.pinstream.media.MediaStorage;
import io.pinstream.media.MediaUrls;
import io.pinstream.media.Variants;
import io.pinstream.media.MediaStore;
import io.pinstream.media.ThumbnailQueue;
import io.pinstream.pins.PinEncoder;
import io.pinstream.pins.PinStore;
import io.pinstream.search.SearchService;
import io.pinstream.shop.Attribution;
import io.pinstream.shop.ClickRecorder;
import io.pinstream.shop.ClickTargets;
import io.pinstream.shop.ConversionStore;
import io.pinstream.shop.DomainVerifier;
import io.pinstream.shop.MerchantKeys;
import io.pinstream.shop.MerchantStore;
import io.pinstream.shop.PinsClicked;
import io.pinstream.shop.ProductPins;
import io.pinstream.shop.Reports;
import io.pinstream.web.IdempotencyKeys;
import io.pinstream.web.RateLimiter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Everything the process is made of, built once, in dependency order: clients first, then each
 * feature's stores and services, then how features are told of each other's events. Shared by all
 * HTTP verticles (pools and clients are thread-safe; stores and services keep no per-request state);
 * only the routes and the live hubs are made per event loop ({@link Routes}).
 *
 * <p>The background parts join {@link #background} in the order they start; they stop in reverse,
 * after the HTTP servers drained.
 */
public final class Components {
  final Config config;
  final Vertx vertx;
  final PrometheusMeterRegistry metrics;
  final Lifecycle background = new Lifecycle();

  // clients and the ways features talk
  private static final Logger log = LoggerFactory.getLogger(Components.class);
  /** How long a start waits for Redis (starting alongside it, or a slow first connection on a busy machine). */
  private static final int REDIS_START_WAIT_SECONDS = 30;

  final Pool pg;
  final Redis redis;
  final RedisKeys keys;
  final RedisScripts scripts;
  final LocalEvents events;
  final ClusterChannel cluster;
  final RateLimiter limiter;
  final IdempotencyKeys idempotencyKeys;

  // accounts and boards
  final PasswordHasher passwords;
  final SessionStore sessions;
  final UserStore users;
  final Auth auth;
  final BoardStore boards;

  // media
  final MediaStorage mediaStorage;
  final MediaStore media;
  final MediaProcessor mediaProcessor;
  final ThumbnailQueue thumbnails;
  final MediaUrls mediaUrls;
  final Variants variants;
  final MediaHousekeeping mediaHousekeeping;

  // shop
  final MerchantStore merchants;
  final ConversionStore conversions;
  final Reports reports;
  final ClickRecorder clicks;
  final ClickTargets clickTargets;
  final ProductPins productPins;
  final MerchantKeys merchantKeys;
  final DomainVerifier domains;
  final Attribution attribution;

  /** The browser app's files (read once; a few kilobytes from the jar). */
  final io.pinstream.site.WebAssets webAssets = io.pinstream.site.WebAssets.load();

  // pins, feeds, live
  final PinStore pins;
  final PinEncoder pinEncoder;
  final PinHydrator hydrator;
  final FeedService feeds;
  final FanOut fanOut;
  final LiveRelay live;
  final FollowEvents followEvents;
  final BoardFollowEvents boardFollowEvents;

  // search
  final SearchService search;

  /** @param passwords built on a worker thread beforehand (its decoy hash is slow by design) */
  Components(Vertx vertx, Config config, PrometheusMeterRegistry metrics, PasswordHasher passwords) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.passwords = passwords;

    Pool pgPool = Database.pool(vertx, config.pg());
    pg = new DeadlinePool(pgPool, config.pg().queryTimeoutMs());
    Pool pgBackground = new DeadlinePool(pgPool, config.pg().backgroundQueryTimeoutMs());
    redis = RedisClients.commands(vertx, config.redis());
    keys = new RedisKeys(config.redis().keyPrefix());
    scripts = new RedisScripts(redis);
    events = new LocalEvents(vertx);
    cluster = background.add("cluster channel", new ClusterChannel(vertx, redis, events, config.redis(), keys, 15_000));
    limiter = new RateLimiter(scripts, keys);
    idempotencyKeys = background.add("idempotency keys", new IdempotencyKeys(vertx, pg,
        config.http().trustForwardedFor()));

    sessions = new SessionStore(pg, RedisAPI.api(redis), keys, config.auth(), cluster);
    users = new UserStore(pg);
    auth = new Auth(sessions, new io.pinstream.web.SessionCookie(config.auth().sessionTtlDays() * 86_400L,
        config.http().trustForwardedFor()));
    boards = new BoardStore(pg);

    Config.Media mediaConfig = config.media();
    mediaStorage = new MediaStorage(mediaConfig.dir());
    media = new MediaStore(pg);
    mediaProcessor = new MediaProcessor(mediaStorage, mediaConfig.maxPixels(), mediaConfig.workers(), metrics);
    mediaUrls = new MediaUrls(mediaConfig);
    variants = new Variants(vertx, media, mediaStorage, mediaProcessor, mediaConfig, metrics);
    thumbnails = background.add("thumbnail sweep", new ThumbnailQueue(vertx, events, media,
        mediaConfig.workers(), mediaConfig.queueSize(), mediaConfig.jobLeaseSeconds(), metrics));
    mediaHousekeeping = background.add("media housekeeping", new MediaHousekeeping(vertx, media, mediaStorage,
        mediaConfig.unreferencedMaxAgeHours()));

    Config.Shop shop = config.shop();
    merchants = new MerchantStore(pg);
    conversions = new ConversionStore(pg);
    reports = new Reports(pg);
    clicks = background.add("click recorder", new ClickRecorder(vertx, pgBackground, events, scripts, keys, shop.clickSecret(),
        shop.clickBatchSize(), shop.clickFlushMs()));
    clickTargets = new ClickTargets(pg);
    productPins = new ProductPins(pg, merchants);
    merchantKeys = new MerchantKeys(merchants);
    domains = new DomainVerifier(vertx, shop);
    attribution = new Attribution(conversions, clicks, shop.pinnerShareBps());

    pins = new PinStore(pg);
    pinEncoder = new PinEncoder(mediaUrls, metrics);
    Config.Feed feed = config.feed();
    FeedStore feedStore = new FeedStore(redis, keys, scripts);
    FeedQueries feedQueries = new FeedQueries(pg);
    hydrator = new PinHydrator(redis, keys, pg, pinEncoder, feed.pinCacheTtlSeconds());
    Trending trending = new Trending(vertx, redis, keys, scripts, pg, feedStore, feed);
    fanOut = background.add("fan-out sweep", new FanOut(vertx, events, pgBackground, feedStore, feedQueries, trending,
        hydrator, feed, metrics));
    feeds = new FeedService(feedStore, feedQueries, hydrator, trending, fanOut, feed);
    live = background.add("live relay", new LiveRelay(events, cluster, hydrator, sessions, metrics, redis, keys,
        scripts, config.live()));
    // The cluster subscription is back after Redis was away: deliver the fan-outs it missed now.
    cluster.onResubscribed(fanOut::sweepNow);

    search = new SearchService(pg, pinEncoder, redis, keys);

    // Who is told of what. A follow changes home feeds, then what live home subscriptions route.
    LiveFollows liveFollows = new LiveFollows(live);
    followEvents = FollowEvents.inOrder(feeds, liveFollows);
    boardFollowEvents = BoardFollowEvents.inOrder(feeds, liveFollows);
    // Counted clicks move a pin's click_count and trending score: its cached copy goes, it is rescored.
    events.consumer(PinsClicked.class, clicked -> feeds.pinEngaged(clicked.pinIds()));
  }

  /** Redis answers, then the background parts start (the cluster channel first: no message is missed after). */
  Future<Void> start() {
    return redisAnswers(System.nanoTime() + TimeUnit.SECONDS.toNanos(REDIS_START_WAIT_SECONDS))
        .compose(pong -> background.start());
  }

  private Future<Void> redisAnswers(long deadlineNanos) {
    return RedisAPI.api(redis).ping(List.of())
        .timeout(5, TimeUnit.SECONDS)
        .<Void>mapEmpty()
        .recover(e -> {
          if (System.nanoTime() > deadlineNanos) {
            return Future.failedFuture(new ConfigException("cannot reach Redis at "
                + config.redis().uri() + " (PINSTREAM_REDIS_URI): " + e.getMessage()));
          }
          log.warn("Redis at {} is not answering yet ({}); retrying",
              config.redis().uri(), e.getMessage());
          return vertx.timer(500).compose(t -> redisAnswers(deadlineNanos));
        });
  }

  /** The clients, last of all. */
  Future<Void> close() {
    return pg.close().eventually(redis::close);
  }

  public LiveRelay live() {
    return live;
  }

  public Config config() {
    return config;
  }

  public Pool pg() {
    return pg;
  }

  public Redis redis() {
    return redis;
  }

  public RedisKeys keys() {
    return keys;
  }

  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  public MediaStorage mediaStorage() {
    return mediaStorage;
  }

  public ThumbnailQueue thumbnails() {
    return thumbnails;
  }

  public MediaHousekeeping mediaHousekeeping() {
    return mediaHousekeeping;
  }

  public ClickRecorder clicks() {
    return clicks;
  }

  public LocalEvents events() {
    return events;
  }

  public RedisScripts scripts() {
    return scripts;
  }
}
