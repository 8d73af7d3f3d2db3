package io.pinstream;

import io.pinstream.config.Config;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.util.concurrent.TimeUnit;

/** One HTTP server per event loop; stopping it drains in-flight requests before closing. */
final class HttpVerticle extends VerticleBase {
  private final Components components;
  private HttpServer server;

  HttpVerticle(Components components) {
    this.components = components;
  }

  @Override
  public Future<?> start() {
    Config.Http http = components.config().http();
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
        .setMaxWebSocketFrameSize(components.config().live().maxFrameBytes() * 4)
        .setMaxWebSocketMessageSize(components.config().live().maxFrameBytes() * 4)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false));
    return server.requestHandler(Routes.create(vertx, components, server)).listen();
  }

  @Override
  public Future<?> stop() {
    return server.shutdown(components.config().http().shutdownGraceSeconds(), TimeUnit.SECONDS);
  }

  public int port() {
    return server.actualPort();
  }
}
