package io.pinstream.live;

import io.pinstream.testing.TestApp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reconnect wave: thousands of clients subscribe to one board and one user at the same moment, on a
 * server with a single PostgreSQL connection (a subscribe that cost a query each would overflow its
 * queue and be refused); every one is answered with the topic's position, and the next pin reaches all.
 */
@DisplayName("Live: a burst of simultaneous subscribes is fully served")
class LiveBurstTest {
  private static final int CLIENTS = 2000;

  @RegisterExtension
  static TestApp app = new TestApp(json -> {
    json.getJsonObject("pg").put("pool_size", 1);
    json.getJsonObject("live").put("max_connections_per_address", 10_000); // every client is 127.0.0.1
  });

  @Test
  @DisplayName("2000 clients subscribing at once to the same board and user all get subscribed, none refused, and all get the next pin")
  void burst() throws Exception {
    String token = app.api().signUpAndLogIn("burst_owner");
    String board = app.api().createBoard(token, "Crowded");
    Vertx vertx = Vertx.vertx();
    try {
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(CLIENTS));
      List<Future<WebSocket>> sockets = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        sockets.add(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(app.port())
            .setURI("/api/v1/live")));
      }
      Future.all(sockets).await(30, TimeUnit.SECONDS);
      AtomicInteger subscribed = new AtomicInteger();
      AtomicInteger delivered = new AtomicInteger();
      java.util.Set<String> epochs = ConcurrentHashMap.newKeySet();
      ConcurrentHashMap<String, Integer> refused = new ConcurrentHashMap<>();
      for (Future<WebSocket> f : sockets) {
        WebSocket ws = f.result();
        ws.textMessageHandler(text -> {
          JsonObject m = new JsonObject(text);
          if ("subscribed".equals(m.getString("type"))) {
            subscribed.incrementAndGet();
            epochs.add(m.getString("topic") + " " + m.getString("epoch"));
          } else if ("pin".equals(m.getString("type"))) {
            delivered.incrementAndGet();
          } else if ("error".equals(m.getString("type"))) {
            refused.merge(m.getString("code"), 1, Integer::sum);
          }
        });
      }
      for (Future<WebSocket> f : sockets) { // all at once
        f.result().writeTextMessage(new JsonObject().put("type", "subscribe").put("topic", "board:" + board).encode());
        f.result().writeTextMessage(new JsonObject().put("type", "subscribe").put("topic", "user:burst_owner").encode());
      }
      long deadline = System.currentTimeMillis() + 20_000;
      while (subscribed.get() + refused.values().stream().mapToInt(Integer::intValue).sum() < 2 * CLIENTS
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertThat(refused).isEmpty();
      assertThat(subscribed).hasValue(2 * CLIENTS);
      assertThat(epochs).hasSize(2); // one position per topic, every subscriber told it
      String media = app.api().uploadPhoto(token);
      app.api().createPin(token, board, media, "for the crowd");
      deadline = System.currentTimeMillis() + 20_000;
      while (delivered.get() < 2 * CLIENTS && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertThat(delivered).hasValue(2 * CLIENTS); // on the board and on the user, each once
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
