package io.pinstream.live;

import io.pinstream.testing.PrivateRedis;
import io.pinstream.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The live relay against a Redis of its own, which the tests cut off and restart. */
@DisplayName("Live relay faults: no silent gap when the subscription to Redis is lost")
class LiveRelayFaultTest {
  @RegisterExtension
  @Order(1)
  static PrivateRedis redis = new PrivateRedis();

  @RegisterExtension
  @Order(2)
  static TestApp app = new TestApp(json -> json.getJsonObject("redis").put("uri", redis.uri()));

  private static Vertx client;

  @BeforeAll
  static void setUp() {
    client = Vertx.vertx();
  }

  @AfterAll
  static void tearDown() {
    client.close().await();
  }

  @Test
  @DisplayName("when the relay's subscription is cut, every subscriber is told to resync, and new pins arrive again")
  void subscriptionCut() {
    String token = app.api().signUpAndLogIn("relay_cut");
    String board = app.api().createBoard(token, "Cut");
    String media = app.api().uploadPhoto(token);
    try (LiveClient live = LiveClient.connect(client, app.port(), null).subscribe("board:" + board)) {
      assertThat(redis.command("CLIENT KILL TYPE pubsub")).startsWith(":");
      JsonObject resync = live.next();
      assertThat(resync).isEqualTo(new JsonObject().put("type", "resync").put("topic", "board:" + board)
          .put("reason", "relay_reconnected"));
      String id = app.api().createPin(token, board, media, "after the cut").getString("id");
      assertThat(live.pins("board:" + board, 1)).containsExactly(id);
    }
  }

  @Test
  @DisplayName("Redis restarted empty: the relay is back within a second of Redis, subscribers resync, pins flow")
  void redisRestarted() throws Exception {
    String token = app.api().signUpAndLogIn("relay_restart");
    String board = app.api().createBoard(token, "Restart");
    String media = app.api().uploadPhoto(token);
    try (LiveClient live = LiveClient.connect(client, app.port(), null).subscribe("board:" + board)) {
      redis.kill();
      Thread.sleep(1500);
      redis.start();
      long back = System.currentTimeMillis();
      JsonObject resync = live.next();
      assertThat(resync.getString("type")).isEqualTo("resync");
      long resyncMs = System.currentTimeMillis() - back;
      System.out.printf("[reliability] Redis restarted empty after 1.5 s: subscribers told to resync %d ms after it was back%n",
          resyncMs);
      assertThat(resyncMs).as("ms from Redis back to resync").isLessThan(2000);
      String id = app.api().createPin(token, board, media, "after the restart").getString("id");
      assertThat(live.pins("board:" + board, 1)).containsExactly(id);
    }
  }
}
