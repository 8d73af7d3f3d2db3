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
  static TestApp app = new TestApp(json -> json.getJsonObject("live").put("warm_up_connections", SOCKETS)
      .put("max_connections_per_address", 3));

  @Test
  @Order(1) // before notReadyMeanwhile runs another warm-up
  @DisplayName("the start waited for it: every socket had every broadcast, and so had the settling pass's; all are "
      + "closed again, and they are counted apart from clients' messages")
  void ranAtStart() {
    // The batches, then the settling pass: one more batch (all SOCKETS at once here). Each socket is told "subscribed" first.
    double broadcasts = SOCKETS * (LiveWarmUp.ROUNDS_PER_BATCH + (double) LiveWarmUp.SETTLING_ROUNDS);
    assertThat(app.metric("pinstream_live_warm_up_messages")).isEqualTo(broadcasts + 2 * SOCKETS);
    assertThat(app.metric("pinstream_live_warm_up_delivered_total")).isEqualTo(broadcasts);
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
  @DisplayName("its rounds travel through Redis as a pin's event does, and a node drops another node's rounds")
  void roundsThroughRedis() {
    LiveRelay relay = app.app().components().live();
    LiveWarmUp mine = relay.warmUp();
    LiveWarmUp.Round round = mine.round(7, "{\"id\":\"7\"}");
    LiveWarmUp.Round back = LiveWarmUp.Round.decode(round.encode());
    assertThat(back).isEqualTo(round);
    assertThat(mine.ours(back)).isTrue();
    assertThat(mine.ours(new LiveWarmUp().round(7, "{}"))).as("another node's round").isFalse();
    // In the epoch its sockets were told and after that position, as a new pin is: the dispatch loop then
    // compares offsets during the warm-up, which a real pin's first broadcast does.
    TopicHistory.Read told = LiveClient.await(relay.history().position(Topic.Kind.BOARD, 0));
    assertThat(round.event().onBoard().epoch()).isEqualTo(told.epoch());
    assertThat(round.event().onBoard().offset()).isGreaterThan(told.top());

    java.util.List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.vertx.redis.client.Redis subscriber = io.vertx.redis.client.Redis.createClient(app.vertx(),
        app.app().components().config().redis().uri());
    try {
      io.vertx.redis.client.RedisConnection conn = LiveClient.await(subscriber.connect());
      conn.handler(message -> {
        if (message.type() == io.vertx.redis.client.ResponseType.PUSH && "message".equals(message.get(0).toString())) {
          heard.add(message.get(2).toString());
        }
      });
      LiveClient.await(conn.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.SUBSCRIBE)
          .arg(new io.pinstream.infra.RedisKeys(app.app().components().config().redis().keyPrefix()).key("cluster"))));
      LiveClient.await(mine.run(app.vertx(), relay, "127.0.0.1", app.port(), 50).timeout(30, TimeUnit.SECONDS));
      assertThat(heard).filteredOn(m -> m.startsWith("warm_up "))
          .hasSize(LiveWarmUp.ROUNDS_PER_BATCH + LiveWarmUp.SETTLING_ROUNDS); // one batch of 50, then the settling pass
    } finally {
      subscriber.close();
    }
  }

  @Test
  @DisplayName("its sockets come from the node's own address but are counted apart: a client of that address is admitted meanwhile")
  void countedApart() throws Exception {
    LiveRelay relay = app.app().components().live();
    for (int attempt = 0; attempt < 5; attempt++) {
      Future<Void> run = relay.warmUp().run(app.vertx(), relay, "127.0.0.1", app.port(), 300);
      while (!run.isComplete() && app.metric("pinstream_live_connections") < 300) {
        Thread.sleep(1);
      }
      boolean duringTheWarmUp;
      try (LiveClient client = LiveClient.connect(app.vertx(), app.port(), null)) {
        client.subscribe("trending"); // 300 of the warm-up's sockets from 127.0.0.1; the address's cap is 3
        duringTheWarmUp = app.metric("pinstream_live_connections") > 1;
      }
      LiveClient.await(run.timeout(30, TimeUnit.SECONDS));
      if (duringTheWarmUp) {
        return;
      }
    }
    throw new AssertionError("the warm-up's sockets were never open while the client subscribed");
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
