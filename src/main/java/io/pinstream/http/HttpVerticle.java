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
        // No h2c upgrade: an upgraded request's body arrives already read, which would defeat
        // streaming uploads to disk. Plain-text HTTP is HTTP/1.1; HTTP/2 belongs behind TLS at the edge.
        .setHttp2ClearTextEnabled(false)
        .setIdleTimeout(120)
        // Every response is written on its request's event loop (handlers, and the futures they
        // compose, run there), so the connection writes directly instead of through a thread-safe
        // queue: one 4 KB queue less per connection, which for a live socket lasts its whole life.
        .setStrictThreadMode(true)
        .setMaxInitialLineLength(8192)
        .setMaxHeaderSize(16 * 1024)
        // Live: clients send small frames. Past live.max_frame_bytes the live handler closes with 1009;
        // far past it the transport drops the connection before buffering the frame. No per-socket
        // deflate state (tens of KB per connection).
        .setMaxWebSocketFrameSize(services.config().live().maxFrameBytes() * 4)
        .setMaxWebSocketMessageSize(services.config().live().maxFrameBytes() * 4)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false));
    return server.requestHandler(ApiRouter.create(vertx, services, server)).listen();
  }

  @Override
  public Future<?> stop() {
    return server.shutdown(services.config().http().shutdownGraceSeconds(), TimeUnit.SECONDS);
  }

  public int port() {
    return server.actualPort();
  }
}
