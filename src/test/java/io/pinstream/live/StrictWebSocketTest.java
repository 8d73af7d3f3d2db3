package io.pinstream.live;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Live WebSockets write through Vert.x's direct outbound queue, not a thread-safe one")
class StrictWebSocketTest {
  @Test
  @DisplayName("the queue is swapped on a real upgraded socket, which then still writes, pings and closes")
  void swapped() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      CompletableFuture<Boolean> applied = new CompletableFuture<>();
      HttpServer server = vertx.createHttpServer(new HttpServerOptions().setStrictThreadMode(true))
          .webSocketHandshakeHandler(handshake -> handshake.accept().onSuccess(ws -> { // as LiveApi does
            applied.complete(StrictWebSocket.apply(ws));
            ws.textMessageHandler(text -> {
              if (text.equals("hi")) {
                ws.writePing(io.vertx.core.buffer.Buffer.buffer());
                ws.writeTextMessage("hello");
              } else {
                ws.close((short) 4000, "bye");
              }
            });
          }))
          .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      CompletableFuture<String> received = new CompletableFuture<>();
      CompletableFuture<Short> closed = new CompletableFuture<>();
      WebSocket client = vertx.createWebSocketClient().connect(new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(server.actualPort()).setURI("/")).await(10, TimeUnit.SECONDS);
      client.textMessageHandler(received::complete);
      client.closeHandler(v -> closed.complete(client.closeStatusCode()));
      client.writeTextMessage("hi"); // the server answers once the client listens
      assertThat(applied.get(10, TimeUnit.SECONDS)).as("Vert.x still has the fields this relies on").isTrue();
      assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo("hello");
      client.writeTextMessage("close, please");
      assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo((short) 4000);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
