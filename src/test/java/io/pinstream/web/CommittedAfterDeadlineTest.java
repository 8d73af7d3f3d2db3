package io.pinstream.web;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.ResultSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hard case of safe retries: the first attempt's write is held up past the request's deadline,
 * so it is answered 503 (the key is released for the retry), and then it commits after all. Its
 * retry with the same Idempotency-Key must answer that object, not make a second one. The write is
 * held up by a lock another session holds, released after the 503.
 */
@DisplayName("Idempotency-Key: a write that commits after its request was answered 503 is not made twice by the retry")
class CommittedAfterDeadlineTest {
  private static final int DEADLINE_MS = 1000;

  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("pg").put("query_timeout_ms", DEADLINE_MS));

  private static ApiClient.Reply post(String path, JsonObject body, String token, String key) {
    return app.api().send(app.api().request(path, token)
        .header("Content-Type", "application/json").header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  private static long count(Connection sql, String query) throws Exception {
    try (ResultSet rows = sql.createStatement().executeQuery(query)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  @Test
  @DisplayName("a pin: 503 past the deadline, committed later; the retry answers 201 with that pin, and there is one")
  void pin() throws Exception {
    String token = app.api().signUpAndLogIn("late_pinner");
    String board = app.api().createBoard(token, "Late");
    String media = app.api().uploadPhoto(token);
    JsonObject body = new JsonObject().put("board_id", board).put("media_id", media).put("title", "late commit");
    try (Connection lock = app.jdbc()) {
      lock.setAutoCommit(false);
      // A new pin moves its board's pin_count: holding the board's row holds the pin's insert.
      lock.createStatement().execute("SELECT 1 FROM boards WHERE id = " + board + " FOR UPDATE");
      ApiClient.Reply first = post("/api/v1/pins", body, token, "late-pin");
      assertThat(first.status()).as(first.body()).isEqualTo(503);
      assertThat(first.header("Retry-After")).isNotNull();
      lock.commit(); // the held insert goes on and commits, after its request was answered
    }
    try (Connection sql = app.jdbc()) {
      long deadline = System.currentTimeMillis() + 5000;
      while (count(sql, "SELECT count(*) FROM pins WHERE title = 'late commit'") == 0
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertThat(count(sql, "SELECT count(*) FROM pins WHERE title = 'late commit'")).as("committed late").isEqualTo(1);

      ApiClient.Reply retry = post("/api/v1/pins", body, token, "late-pin");
      assertThat(retry.status()).as(retry.body()).isEqualTo(201);
      assertThat(count(sql, "SELECT count(*) FROM pins WHERE title = 'late commit'")).as("pins after the retry").isEqualTo(1);
      assertThat(retry.json().getString("id")).isEqualTo(Long.toString(
          count(sql, "SELECT id FROM pins WHERE title = 'late commit'")));
      assertThat(app.api().get("/api/v1/boards/" + board).json().getInteger("pin_count")).isEqualTo(1);
      // A retry without the key is a new request: it does make a second pin (that is what the key is for).
      assertThat(app.api().post("/api/v1/pins", body, token).status()).isEqualTo(201);
      assertThat(count(sql, "SELECT count(*) FROM pins WHERE title = 'late commit'")).isEqualTo(2);
    }
  }

  @Test
  @DisplayName("a board: 503 past the deadline, committed later; the retry answers 201 with that board, not 409 name taken")
  void board() throws Exception {
    String token = app.api().signUpAndLogIn("late_boarder");
    String owner = app.api().get("/api/v1/users/late_boarder").json().getString("id");
    JsonObject body = new JsonObject().put("name", "Slow board");
    try (Connection other = app.jdbc()) {
      other.setAutoCommit(false);
      // An uncommitted board of the same name holds the request's insert on the unique index.
      other.createStatement().execute("INSERT INTO boards (owner_id, name, description) VALUES ("
          + owner + ", 'Slow board', '')");
      ApiClient.Reply first = post("/api/v1/boards", body, token, "late-board");
      assertThat(first.status()).as(first.body()).isEqualTo(503);
      other.rollback(); // the held insert goes on and commits
    }
    try (Connection sql = app.jdbc()) {
      long deadline = System.currentTimeMillis() + 5000;
      while (count(sql, "SELECT count(*) FROM boards WHERE name = 'Slow board'") == 0
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      ApiClient.Reply retry = post("/api/v1/boards", body, token, "late-board");
      assertThat(retry.status()).as(retry.body()).isEqualTo(201);
      assertThat(count(sql, "SELECT count(*) FROM boards WHERE name = 'Slow board'")).isEqualTo(1);
      assertThat(retry.json().getString("id")).isEqualTo(Long.toString(
          count(sql, "SELECT id FROM boards WHERE name = 'Slow board'")));
    }
  }
}
