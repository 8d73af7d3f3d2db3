package io.pinstream.pins;

import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Per-user limits on new pins and saves")
class PinLimitsTest {
  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("rate_limits")
      .put("pins_per_user_per_minute", 3).put("saves_per_user_per_minute", 2));

  @Test
  @DisplayName("past the limit a user's pins and saves get 429 with Retry-After, and nothing is created; others are not affected")
  void limited() {
    String token = app.api().signUpAndLogIn("spammer");
    String board = app.api().createBoard(token, "Spam");
    String media = app.api().uploadPhoto(token);
    for (int i = 0; i < 3; i++) {
      app.api().createPin(token, board, media, "p" + i);
    }
    var refused = app.api().post("/api/v1/pins", new JsonObject().put("board_id", board).put("media_id", media), token);
    assertThat(refused.status()).isEqualTo(429);
    assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 60);
    assertThat(app.api().get("/api/v1/boards/" + board).json().getInteger("pin_count")).isEqualTo(3);

    String other = app.api().signUpAndLogIn("calm");
    String otherBoard = app.api().createBoard(other, "Calm");
    String pin = app.api().createPin(other, otherBoard, app.api().uploadPhoto(other), "calm").getString("id");

    for (int i = 0; i < 2; i++) {
      String into = app.api().createBoard(token, "Saves " + i);
      assertThat(app.api().post("/api/v1/pins/" + pin + "/save", new JsonObject().put("board_id", into), token).status())
          .isEqualTo(201);
    }
    String third = app.api().createBoard(token, "Saves 3");
    assertThat(app.api().post("/api/v1/pins/" + pin + "/save", new JsonObject().put("board_id", third), token).status())
        .isEqualTo(429);
    assertThat(app.api().get("/api/v1/pins/" + pin).json().getInteger("save_count")).isEqualTo(2);
  }
}
