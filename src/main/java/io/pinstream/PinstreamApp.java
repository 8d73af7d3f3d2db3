package io.pinstream;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pinstream.accounts.PasswordHasher;
import io.pinstream.config.Config;
import io.pinstream.config.ConfigException;
import io.pinstream.feed.FanOut;
import io.pinstream.feed.FeedQueries;
import io.pinstream.feed.FeedService;
import io.pinstream.feed.FeedStore;
import io.pinstream.feed.PinHydrator;
import io.pinstream.feed.Trending;
import io.pinstream.http.HttpVerticle;
import io.pinstream.infra.Database;
import io.pinstream.infra.RedisClients;
import io.pinstream.infra.RedisKeys;
import io.pinstream.live.LiveRelay;
import io.pinstream.accounts.SessionCache;
import io.pinstream.media.MediaProcessor;
import io.pinstream.media.MediaStorage;
import io.pinstream.media.MediaStore;
import io.pinstream.media.ThumbnailQueue;
import io.pinstream.media.ThumbnailVerticle;
import io.pinstream.shop.ClickRecorder;
import io.vertx.core.ThreadingModel;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The whole service inside one Vert.x instance: migrates the database, connects to PostgreSQL and
 * Redis, deploys the HTTP verticles, and takes it all down again in order. Main and the tests both
 * start it through {@link #start}.
 */
public final class PinstreamApp {
  private static final Logger log = LoggerFactory.getLogger(PinstreamApp.class);

  private final Vertx vertx;
  private final Services services;
  private final Redis redisClient;
  private final List<HttpVerticle> httpVerticles;
  private final List<String> deployments = new CopyOnWriteArrayList<>();
  private io.vertx.core.eventbus.MessageConsumer<io.vertx.core.json.JsonObject> clickedConsumer;

  private PinstreamApp(Vertx vertx, Services services, Redis redisClient, List<HttpVerticle> httpVerticles) {
    this.vertx = vertx;
    this.services = services;
    this.redisClient = redisClient;
    this.httpVerticles = httpVerticles;
  }

  /** A Vert.x instance whose metrics (HTTP latency histograms by route, pools) land in {@code registry}. */
  public static Vertx createVertx(PrometheusMeterRegistry registry) {
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (id.getName().startsWith("vertx.http.server.response.time")
            || id.getName().startsWith("pinstream.")) {
          return DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config);
        }
        return config;
      }
    });
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME,
            Label.NAMESPACE, Label.CLASS_NAME));
    return Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(metrics).setPreferNativeTransport(true))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
  }

  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  public static Future<PinstreamApp> start(Vertx vertx, Config config, PrometheusMeterRegistry registry) {
    return vertx.executeBlocking(() -> {
          // Blocking set-up, on a worker thread: schema, media folder, the password decoy hash.
          Database.migrate(config.pg());
          new MediaStorage(config.media().dir()).prepare();
          return new PasswordHasher(vertx.createSharedWorkerExecutor("pinstream-passwords",
              Math.max(2, Runtime.getRuntime().availableProcessors())), config.auth().bcryptCost());
        }, false)
        .compose(passwords -> {
          Pool pool = io.pinstream.infra.Database.pool(vertx, config.pg());
          Redis redis = RedisClients.commands(vertx, config.redis());
          RedisAPI api = RedisAPI.api(redis);
          Config.Media media = config.media();
          ThumbnailQueue thumbnails = new ThumbnailQueue(vertx, new MediaStore(pool), media.workers(), media.queueSize(),
              media.jobLeaseSeconds(), registry);
          RedisKeys keys = new RedisKeys(config.redis().keyPrefix());
          FeedStore feedStore = new FeedStore(redis, keys);
          FeedQueries feedQueries = new FeedQueries(pool);
          PinHydrator hydrator = new PinHydrator(redis, keys, pool, media.publicBaseUrl(), config.feed().pinCacheTtlSeconds());
          Trending trending = new Trending(vertx, redis, keys, pool, feedStore, config.feed());
          FanOut fanOut = new FanOut(vertx, pool, feedStore, feedQueries, trending, hydrator, config.feed(), registry);
          FeedService feeds = new FeedService(feedStore, feedQueries, hydrator, trending, fanOut, config.feed());
          Config.Shop shop = config.shop();
          ClickRecorder clicks = new ClickRecorder(vertx, pool, api, keys, shop.clickSecret(), shop.clickBatchSize(),
              shop.clickFlushMs());
          SessionCache sessions = new SessionCache();
          LiveRelay live = new LiveRelay(vertx, config.redis(), redis, keys, pool, hydrator, sessions, registry);
          Services services = new Services(config, pool, redis, api, keys, registry, passwords,
              new MediaStorage(media.dir()), thumbnails, feeds, fanOut, clicks, live, sessions);
          return api.ping(List.of())
              .timeout(5, TimeUnit.SECONDS)
              .recover(e -> Future.failedFuture(new ConfigException("cannot reach Redis at " + config.redis().uri()
                  + " (PINSTREAM_REDIS_URI): " + e.getMessage())))
              // Subscribed before the first request, so no pin created through this node goes unannounced.
              .compose(pong -> live.start())
              .compose(v -> deploy(vertx, services, redis));
        });
  }

  private static Future<PinstreamApp> deploy(Vertx vertx, Services services, Redis redis) {
    int instances = services.config().http().instances() > 0
        ? services.config().http().instances()
        : Runtime.getRuntime().availableProcessors();
    List<HttpVerticle> verticles = new CopyOnWriteArrayList<>();
    PinstreamApp app = new PinstreamApp(vertx, services, redis, verticles);
    Config.Media media = services.config().media();
    MediaStore mediaStore = new MediaStore(services.pg());
    MediaProcessor processor = new MediaProcessor(services.mediaStorage(), media.maxPixels());
    return vertx.deployVerticle(() -> new ThumbnailVerticle(mediaStore, services.mediaStorage(), processor,
            media.jobLeaseSeconds(), services.metrics()),
        new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setInstances(media.workers())
            .setWorkerPoolName("pinstream-thumbnails").setWorkerPoolSize(media.workers()))
      .compose(workers -> {
        app.deployments.add(workers);
        services.thumbnails().startSweeping();
        services.fanOut().startSweeping();
        // Counted clicks move a pin's click_count and trending score: drop its cached copy, rescore it.
        app.clickedConsumer = vertx.eventBus().localConsumer(ClickRecorder.CLICKED_ADDRESS, clicked ->
            services.feeds().pinEngaged(List.of(Long.parseLong(clicked.body().getString("pin_id")))));
        return vertx.deployVerticle(() -> {
          HttpVerticle verticle = new HttpVerticle(services);
          verticles.add(verticle);
          return verticle;
        }, new DeploymentOptions().setInstances(instances))
        .map(id -> {
          app.deployments.add(id);
          log.info("Pinstream listening on {}:{} ({} event-loop verticles, {} thumbnail workers, {} transport)",
              services.config().http().host(), app.port(), instances, media.workers(),
              vertx.isNativeTransportEnabled() ? "epoll" : "NIO");
          return app;
        });
      });
  }

  /** The bound HTTP port (useful when configured as 0). */
  public int port() {
    return httpVerticles.get(0).port();
  }

  public Services services() {
    return services;
  }

  /** Graceful: stop accepting, let in-flight requests finish, then close the pools. */
  public Future<Void> stop() {
    services.thumbnails().stopSweeping();
    services.fanOut().stopSweeping();
    Future<Void> undeployed = Future.succeededFuture();
    // HTTP first (newest deployment), so in-flight uploads can still reach the thumbnail workers.
    List<String> newestFirst = new java.util.ArrayList<>(deployments);
    java.util.Collections.reverse(newestFirst);
    for (String id : newestFirst) {
      undeployed = undeployed.compose(v -> vertx.undeploy(id));
    }
    return undeployed
        // The servers have drained, so no click comes in any more: write the buffered ones while the pool is open.
        .eventually(() -> services.clicks().close(15_000)
            .onFailure(e -> log.error("clicks still buffered at shutdown could not be written: {}", e.toString())))
        .eventually(() -> clickedConsumer == null ? Future.succeededFuture() : clickedConsumer.unregister())
        .eventually(() -> services.live().stop())
        .eventually(() -> services.pg().close())
        .eventually(() -> {
          redisClient.close();
          return Future.succeededFuture();
        });
  }
}
