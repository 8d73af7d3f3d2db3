package io.pinstream.pins;

import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Pins: the start-up rehearsal creates a pin on every pooled connection and leaves nothing behind")
class PinRehearsalTest {
  @RegisterExtension
  static TestApp app = new TestApp();

  @Test
  @DisplayName("no user, board, photo, pin, search entry or fan-out job of it is left, and real pins are created as before")
  void leavesNothing() throws Exception {
    String counts = counts();

    var pool = app.app().components().pg();
    int connections = app.config().pg().poolSize();
    assertThat(PinRehearsal.run(pool, connections).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS))
        .as("connections that created the pin").isEqualTo(connections);

    assertThat(counts()).as("rows of users, boards, media, pins, pin_search, feed_outbox").isEqualTo(counts);

    String token = app.api().signUpAndLogIn("after_rehearsal");
    String board = app.api().createBoard(token, "Real");
    String media = app.api().uploadPhoto(token);
    assertThat(app.api().post("/api/v1/pins", new JsonObject().put("board_id", board).put("media_id", media)
        .put("title", "Real"), token).status()).isEqualTo(201);
  }

  private static String counts() throws Exception {
    try (Connection c = app.jdbc(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("""
        SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM boards) || ' '
            || (SELECT count(*) FROM media) || ' ' || (SELECT count(*) FROM pins) || ' '
            || (SELECT count(*) FROM pin_search) || ' ' || (SELECT count(*) FROM feed_outbox)""")) {
      r.next();
      return r.getString(1);
    }
  }
}
