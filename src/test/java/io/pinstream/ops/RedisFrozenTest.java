package io.pinstream.ops;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.PrivateRedis;
import io.pinstream.testing.TestApp;
import io.pinstream.testing.Timed;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;


import static org.assertj.core.api.Assertions.assertThat;

/** A Redis of its own, frozen with SIGSTOP: it keeps its connections and answers nothing. */
@DisplayName("Redis frozen: every request is answered within its deadline, 2xx or 503 + Retry-After")
class RedisFrozenTest {
  private static final long DEADLINE_MS = 1000;

  @RegisterExtension
  @Order(1)
  static PrivateRedis redis = new PrivateRedis();

  @RegisterExtension
  @Order(2)
  static TestApp app = new TestApp(json -> json.getJsonObject("redis").put("uri", redis.uri())
      .put("command_timeout_ms", DEADLINE_MS));

  @Test
  @DisplayName("frozen: /ready is 503 in time, feeds answer from PostgreSQL, writes that need Redis get 503; thawed: all back")
  void frozen() throws Exception {
    String token = app.api().signUpAndLogIn("frozen_reader");
    String board = app.api().createBoard(token, "Cold");
    String media = app.api().uploadPhoto(token);
    String before = app.api().createPin(token, board, media, "before the freeze").getString("id");
    assertThat(app.api().get("/ready").status()).isEqualTo(200);

    redis.freeze();
    try {
      Timed ready = Timed.of(() -> app.api().get("/ready"));
      assertThat(ready.reply().status()).isEqualTo(503);
      assertThat(ready.reply().header("Retry-After")).isNotNull();
      assertThat(ready.reply().json().getJsonObject("checks").getString("redis")).isEqualTo("down");
      assertThat(ready.ms()).as("/ready ms").isLessThan(4000);

      Timed home = Timed.of(() -> app.api().get("/api/v1/feeds/home", token));
      assertThat(home.reply().status()).as(home.reply().body()).isEqualTo(200);
      assertThat(home.reply().items().stream().map(p -> ((JsonObject) p).getString("id"))).contains(before);
      assertThat(home.ms()).as("home ms").isLessThan(4 * DEADLINE_MS);

      Timed pin = Timed.of(() -> app.api().post("/api/v1/pins",
          new JsonObject().put("board_id", board).put("media_id", media).put("title", "during"), token));
      assertThat(pin.reply().status()).as(pin.reply().body()).isIn(201, 503);
      if (pin.reply().status() == 503) {
        assertThat(pin.reply().header("Retry-After")).isNotNull();
      }
      assertThat(pin.ms()).as("pin ms").isLessThan(6 * DEADLINE_MS);
      System.out.printf("[reliability] Redis frozen (deadline %d ms): /ready %d in %d ms, home %d in %d ms, new pin %d in %d ms%n",
          DEADLINE_MS, ready.reply().status(), ready.ms(), home.reply().status(), home.ms(), pin.reply().status(), pin.ms());
    } finally {
      redis.thaw();
    }
    long deadline = System.currentTimeMillis() + 10_000;
    while (app.api().get("/ready").status() != 200 && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(app.api().get("/ready").status()).isEqualTo(200);
    assertThat(app.api().post("/api/v1/pins", new JsonObject().put("board_id", board).put("media_id", media)
        .put("title", "after"), token).status()).isEqualTo(201);
  }
}
