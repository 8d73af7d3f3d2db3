package io.pinstream.http;

import io.pinstream.Services;
import io.pinstream.config.Config;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.util.concurrent.TimeUnit;

/** One HTTP server per event loop; stopping it drains in-flight requests before closing. */
public final class HttpVerticle extends VerticleBase {
  private final Services services;
  private HttpServer server;

  public HttpVerticle(Services services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    Config.Http http = services.config().http();
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(http.host())
        .setPort(http.port())
        .setCompressionSupported(true)
        .setIdleTimeout(120)
        .setMaxInitialLineLength(8192)
        .setMaxHeaderSize(16 * 1024));
    return server.requestHandler(ApiRouter.create(vertx, services)).listen();
  }

  @Override
  public Future<?> stop() {
    return server.shutdown(services.config().http().shutdownGraceSeconds(), TimeUnit.SECONDS);
  }

  public int port() {
    return server.actualPort();
  }
}
