package io.pinstream;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pinstream.accounts.PasswordHasher;
import io.pinstream.config.Config;
import io.pinstream.infra.Database;
import io.pinstream.media.MediaStorage;
import io.pinstream.media.ThumbnailVerticle;
import io.pinstream.pins.PinRehearsal;
import io.vertx.core.ThreadingModel;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The whole service inside one Vert.x instance: migrates the database, builds the {@link Components},
 * deploys the thumbnail workers, starts the background parts, deploys the HTTP verticles, and takes
 * it all down again in reverse. Main and the tests both start it through {@link #start}.
 */
public final class PinstreamApp {
  private static final Logger log = LoggerFactory.getLogger(PinstreamApp.class);

  private final Vertx vertx;
  private final Components components;
  private final List<HttpVerticle> httpVerticles = new CopyOnWriteArrayList<>();
  private final ManagementServer management;
  private String workersDeployment;
  private String managementDeployment;
  private String httpDeployment;

  private PinstreamApp(Vertx vertx, Components components) {
    this.vertx = vertx;
    this.components = components;
    this.management = new ManagementServer(components);
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
              Math.max(2, Runtime.getRuntime().availableProcessors())), config.auth().bcryptCost(),
              config.auth().passwordQueueSize());
        }, false)
        .compose(passwords -> {
          PinstreamApp app = new PinstreamApp(vertx, new Components(vertx, config, registry, passwords));
          // Workers first (resumed jobs need them), then the background parts (the cluster channel is
          // subscribed before the first request, so no pin created through this node goes unannounced).
          return app.deployWorkers()
              .compose(v -> app.components.start())
              // Before the first request: every pooled PostgreSQL connection has inserted a pin once (rolled back).
              .compose(v -> PinRehearsal.run(app.components.pg, config.pg().poolSize()))
              .compose(v -> app.vertx.deployVerticle(app.management))
              .compose(id -> {
                app.managementDeployment = id;
                return app.deployHttp();
              })
              // /ready says 503 until the live path has run once (LiveWarmUp): a reconnect wave then meets compiled code.
              .compose(v -> app.components.live.warmUp().run(vertx, app.components.live, config.http().host(),
                  app.port(), config.live().warmUpConnections()))
              .map(app)
              .recover(e -> app.stop().transform(v -> Future.failedFuture(e)));
        });
  }

  private Future<Void> deployWorkers() {
    Config.Media media = components.config.media();
    return vertx.deployVerticle(() -> new ThumbnailVerticle(components.events, components.media,
                components.mediaStorage, components.mediaProcessor, media.jobLeaseSeconds(), components.metrics),
            new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setInstances(media.workers())
                .setWorkerPoolName("pinstream-thumbnails").setWorkerPoolSize(media.workers()))
        .map(id -> {
          workersDeployment = id;
          return null;
        });
  }

  private Future<Void> deployHttp() {
    Config config = components.config;
    int instances = config.http().instances() > 0 ? config.http().instances() : Runtime.getRuntime().availableProcessors();
    return vertx.deployVerticle(() -> {
          HttpVerticle verticle = new HttpVerticle(components);
          httpVerticles.add(verticle);
          return verticle;
        }, new DeploymentOptions().setInstances(instances))
        .map(id -> {
          httpDeployment = id;
          log.info("Pinstream listening on {}:{} ({} event-loop verticles, {} thumbnail workers, {} transport); "
                  + "metrics on {}:{}", config.http().host(), port(), instances, config.media().workers(),
              vertx.isNativeTransportEnabled() ? "epoll" : "NIO", config.management().host(), managementPort());
          return null;
        });
  }

  /** The bound HTTP port (useful when configured as 0). */
  public int port() {
    return httpVerticles.get(0).port();
  }

  /** The bound management port ({@code /metrics}). */
  public int managementPort() {
    return management.port();
  }

  public Components components() {
    return components;
  }

  /**
   * Graceful, in reverse: the HTTP servers stop accepting and drain (in-flight uploads can still reach
   * the workers), then the background parts stop (the click buffer is written), then the workers, then
   * the pools close.
   */
  public Future<Void> stop() {
    return undeploy(httpDeployment)
        .eventually(() -> undeploy(managementDeployment))
        .eventually(() -> components.background.stop())
        .eventually(() -> undeploy(workersDeployment))
        .eventually(components::close);
  }

  private Future<Void> undeploy(String deployment) {
    return deployment == null ? Future.succeededFuture() : vertx.undeploy(deployment);
  }
}
