package io.pinstream;

import io.pinstream.config.ConfigException;
import io.pinstream.ops.OpsApi;
import io.pinstream.web.FailureHandler;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.redis.client.RedisAPI;

/**
 * The operators' port ({@code management.host}:{@code management.port}, 127.0.0.1:9090 by default):
 * {@code /metrics}, {@code /health} and {@code /ready}. Metrics name routes, pools and queue depths:
 * none of the public internet's business.
 */
final class ManagementServer extends VerticleBase {
  private final Components components;
  private HttpServer server;

  ManagementServer(Components components) {
    this.components = components;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    new OpsApi(vertx, components.pg, RedisAPI.api(components.redis), components.metrics,
        components.live.warmUp()::running).mountManagement(router);
    FailureHandler failures = new FailureHandler();
    router.route().failureHandler(failures);
    router.errorHandler(404, failures);
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(components.config.management().host())
        .setPort(components.config.management().port()));
    var management = components.config.management();
    return server.requestHandler(router).listen().recover(e -> Future.failedFuture(new ConfigException(
        "cannot listen on the management port " + management.host() + ":" + management.port()
            + " (PINSTREAM_MANAGEMENT_HOST, PINSTREAM_MANAGEMENT_PORT): " + e.getMessage())));
  }

  int port() {
    return server.actualPort();
  }
}
