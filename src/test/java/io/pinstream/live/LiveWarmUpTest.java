package io.pinstream.live;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Live: the start-up warm-up runs the live path before the node is ready, and no client sees it")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveWarmUpTest {
  private static final int SOCKETS = 100;

  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("live").put("warm_up_connections", SOCKETS));

  @Test
  @Order(1) // before notReadyMeanwhile runs another warm-up
  @DisplayName("the start waited for it: every socket had every broadcast, all are closed again, and none counts as delivered")
  void ranAtStart() {
    assertThat(app.metric("pinstream_live_warm_up_messages")).isEqualTo(SOCKETS * (LiveWarmUp.ROUNDS_PER_BATCH + 1.0));
    assertThat(app.metric("pinstream_live_connections")).isZero();
    assertThat(app.metric("pinstream_live_delivered_total")).isZero();
    assertThat(app.api().get("/ready").status()).isEqualTo(200);
  }

  @Test
  @DisplayName("while it runs /ready says 503 (warm_up: running); a subscriber of a real board gets none of its messages")
  void notReadyMeanwhile() {
    String token = app.api().signUpAndLogIn("warm_watcher");
    String board = app.api().createBoard(token, "Quiet");
    try (LiveClient watcher = LiveClient.connect(app.vertx(), app.port(), null)) {
      watcher.subscribe("board:" + board);
      LiveRelay relay = app.app().components().live();
      Future<Void> run = relay.warmUp().run(app.vertx(), relay, "127.0.0.1", app.port(), 300);
      ApiClient.Reply ready = app.api().get("/ready");
      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.json().getJsonObject("checks").getString("warm_up")).isEqualTo("running");
      LiveClient.await(run.timeout(30, TimeUnit.SECONDS));
      assertThat(relay.warmUp().running()).isFalse();
      assertThat(app.api().get("/ready").status()).isEqualTo(200);
      watcher.assertQuiet(300);
    }
  }

  @Test
  @DisplayName("its topic cannot be named by a client, and its header without the process's key is refused (403)")
  void closedToClients() {
    try (LiveClient client = LiveClient.connect(app.vertx(), app.port(), null)) {
      client.send(new JsonObject().put("type", "subscribe").put("topic", LiveWarmUp.TOPIC));
      JsonObject answer = client.next();
      assertThat(answer.getString("type")).isEqualTo("error");
      assertThat(answer.getString("code")).isEqualTo("bad_topic");
    }
    Vertx vertx = app.vertx();
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      assertThatThrownBy(() -> LiveClient.await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(app.port()).setURI("/api/v1/live").addHeader(LiveWarmUp.HEADER, "guessed"))))
          .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(403));
    } finally {
      client.close();
    }
  }
}
