package io.pinstream.feed;

import io.pinstream.testing.PrivateRedis;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** Pins made while a private Redis is down; Redis then comes back with its old data (from an RDB). */
@DisplayName("Fan-out backlog: no hole in any feed while it drains, and it drains at full speed")
class FanOutBacklogTest {
  private static final int FOLLOWERS = 10;
  private static final int PINS = 150;

  @RegisterExtension
  @Order(1)
  static PrivateRedis redis = new PrivateRedis();

  @RegisterExtension
  @Order(2)
  static TestApp app = new TestApp(json -> json.getJsonObject("redis").put("uri", redis.uri()));

  private static Set<String> homeIds(String token) {
    Set<String> ids = new TreeSet<>();
    app.api().pages("/api/v1/feeds/home?page_size=100", token, 100).forEach(ids::addAll);
    return ids;
  }

  private static long outbox() throws Exception {
    return app.app().components().pg().query("SELECT count(*) FROM feed_outbox").execute().await()
        .iterator().next().getLong(0);
  }

  @Test
  @DisplayName("Redis back with stale feeds: every follower's home has every pin answered 201 at once; the backlog drains in seconds")
  void staleFeedsHaveNoHoles() throws Exception {
    String author = app.api().signUpAndLogIn("backlog_author");
    String board = app.api().createBoard(author, "Backlog");
    String media = app.api().uploadPhoto(author);
    List<String> followers = new ArrayList<>();
    for (int i = 0; i < FOLLOWERS; i++) {
      String token = app.api().signUpAndLogIn("backlog_f" + i);
      assertThat(app.api().put("/api/v1/users/backlog_author/follow", token).status()).isEqualTo(204);
      followers.add(token);
    }
    String first = app.api().createPin(author, board, media, "before").getString("id");
    for (String token : followers) {
      assertThat(homeIds(token)).contains(first); // reading builds each home feed in Redis
    }
    redis.save();
    redis.kill();

    List<String> made = new ArrayList<>();
    for (int i = 0; i < PINS; i++) {
      var reply = app.api().post("/api/v1/pins", new JsonObject().put("board_id", board).put("media_id", media)
          .put("title", "while Redis is away " + i), author);
      assertThat(reply.status()).as(reply.body()).isEqualTo(201);
      made.add(reply.json().getString("id"));
    }
    assertThat(outbox()).isEqualTo(PINS);

    redis.start(); // with the feeds as they were before the outage
    long back = System.currentTimeMillis();
    for (String token : followers) {
      assertThat(homeIds(token)).as("a follower's home right after Redis came back").containsAll(made).contains(first);
    }
    while (outbox() > 0 && System.currentTimeMillis() - back < 30_000) {
      Thread.sleep(100);
    }
    long drainedMs = System.currentTimeMillis() - back;
    System.out.printf("[reliability] Redis back with its RDB: %d pins made during the outage, all in %d followers' homes at once; "
        + "backlog drained %d ms after Redis was back%n", PINS, FOLLOWERS, drainedMs);
    assertThat(outbox()).isZero();
    assertThat(drainedMs).as("ms to drain " + PINS + " fan-outs").isLessThan(10_000);
    Thread.sleep(2500); // the next sweep finds nothing overdue: reads are Redis's again
    for (String token : followers) {
      assertThat(homeIds(token)).containsAll(made).contains(first);
    }
  }
}
