package io.pinstream.web;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Idempotency-Key: a retried creating POST gets its first answer, never a second object")
class IdempotencyKeysTest {
  @RegisterExtension
  static TestApp app = new TestApp();

  private static ApiClient.Reply post(String path, JsonObject body, String token, String key) {
    HttpRequest.Builder request = app.api().request(path, token)
        .header("Content-Type", "application/json").header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    return app.api().send(request);
  }

  private static long pinsOn(String board) {
    return app.api().get("/api/v1/boards/" + board).json().getInteger("pin_count");
  }

  @Test
  @DisplayName("the same key and body again: the first answer, replayed; another body with that key: 422")
  void replay() {
    String token = app.api().signUpAndLogIn("idem_pinner");
    String board = app.api().createBoard(token, "Once");
    String media = app.api().uploadPhoto(token);
    JsonObject body = new JsonObject().put("board_id", board).put("media_id", media).put("title", "once");
    var first = post("/api/v1/pins", body, token, "pin-1");
    var again = post("/api/v1/pins", body, token, "pin-1");
    assertThat(first.status()).isEqualTo(201);
    assertThat(again.status()).isEqualTo(201);
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.header("Location")).isEqualTo(first.header("Location"));
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(pinsOn(board)).isEqualTo(1);

    var reused = post("/api/v1/pins", body.copy().put("title", "twice"), token, "pin-1");
    assertThat(reused.status()).isEqualTo(422);
    assertThat(reused.json().getString("code")).isEqualTo("idempotency_key_reused");
    // Another caller's key of the same name is theirs.
    String other = app.api().signUpAndLogIn("idem_other");
    String otherBoard = app.api().createBoard(other, "Theirs");
    assertThat(post("/api/v1/pins", new JsonObject().put("board_id", otherBoard).put("media_id", app.api().uploadPhoto(other)),
        other, "pin-1").status()).isEqualTo(201);
    assertThat(pinsOn(board)).isEqualTo(1);
  }

  @Test
  @DisplayName("a client that timed out and retries gets the pin its first request made, not a second one")
  void retryAfterTimeout() throws Exception {
    String token = app.api().signUpAndLogIn("idem_impatient");
    String board = app.api().createBoard(token, "Impatient");
    String media = app.api().uploadPhoto(token);
    JsonObject body = new JsonObject().put("board_id", board).put("media_id", media).put("title", "slow network");
    HttpRequest impatient = app.api().request("/api/v1/pins", token).timeout(Duration.ofMillis(1))
        .header("Content-Type", "application/json").header("Idempotency-Key", "retry-7")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build();
    assertThatThrownBy(() -> java.net.http.HttpClient.newHttpClient().send(impatient,
        java.net.http.HttpResponse.BodyHandlers.ofString())).isInstanceOf(HttpTimeoutException.class);
    ApiClient.Reply retry = post("/api/v1/pins", body, token, "retry-7");
    for (int i = 0; i < 100 && retry.status() == 409; i++) { // the first may still be running
      Thread.sleep(20);
      retry = post("/api/v1/pins", body, token, "retry-7");
    }
    assertThat(retry.status()).isEqualTo(201);
    assertThat(pinsOn(board)).isEqualTo(1);
    assertThat(app.api().get("/api/v1/boards/" + board + "/pins").items()).hasSize(1);
  }

  @Test
  @DisplayName("concurrent requests with one key make one object: the others are told it is in use or get its answer")
  void concurrent() throws Exception {
    JsonObject body = new JsonObject().put("username", "idem_signup").put("password", "correct horse");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<ApiClient.Reply>> replies = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        replies.add(pool.submit(() -> post("/api/v1/accounts", body, null, "signup-key")));
      }
      int created = 0;
      for (Future<ApiClient.Reply> reply : replies) {
        int status = reply.get().status();
        assertThat(status).isIn(201, 409);
        if (status == 201 && reply.get().header("Idempotent-Replayed") == null) {
          created++;
        }
      }
      assertThat(created).isEqualTo(1);
    } finally {
      pool.shutdown();
    }
    var replayed = post("/api/v1/accounts", body, null, "signup-key");
    assertThat(replayed.status()).isEqualTo(201);
    assertThat(replayed.header("Idempotent-Replayed")).isEqualTo("true");
  }

  @Test
  @DisplayName("an upload retried with its key answers the first upload's media; a malformed key is 400")
  void uploadsAndBadKeys() {
    String token = app.api().signUpAndLogIn("idem_uploader");
    byte[] photo = io.pinstream.testing.TestPhotos.jpeg(320, 240);
    var first = app.api().send(app.api().request("/api/v1/media", token).header("Idempotency-Key", "up-1")
        .header("Content-Type", "multipart/form-data; boundary=XyZ")
        .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(photo))));
    assertThat(first.status()).as(first.body()).isIn(201, 202);
    var again = app.api().send(app.api().request("/api/v1/media", token).header("Idempotency-Key", "up-1")
        .header("Content-Type", "multipart/form-data; boundary=XyZ")
        .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(photo))));
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.json().getString("id")).isEqualTo(first.json().getString("id"));
    // A large upload replayed: the answer comes while its body is still being sent, which is read and dropped.
    byte[] big = multipart(new byte[4 << 20]);
    var bigFirst = app.api().send(app.api().request("/api/v1/media", token).header("Idempotency-Key", "up-big")
        .header("Content-Type", "multipart/form-data; boundary=XyZ").POST(HttpRequest.BodyPublishers.ofByteArray(big)));
    var bigAgain = app.api().send(app.api().request("/api/v1/media", token).header("Idempotency-Key", "up-big")
        .header("Content-Type", "multipart/form-data; boundary=XyZ").POST(HttpRequest.BodyPublishers.ofByteArray(big)));
    assertThat(bigAgain.status()).isEqualTo(bigFirst.status());
    assertThat(bigAgain.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(app.api().get("/health").status()).as("the connection pool still works").isEqualTo(200);
    var bad = post("/api/v1/boards", new JsonObject().put("name", "x"), token, "spaces are not allowed");
    assertThat(bad.status()).isEqualTo(400);
  }

  private static byte[] multipart(byte[] file) {
    var out = new java.io.ByteArrayOutputStream();
    out.writeBytes(("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\n"
        + "Content-Type: image/jpeg\r\n\r\n").getBytes());
    out.writeBytes(file);
    out.writeBytes("\r\n--XyZ--\r\n".getBytes());
    return out.toByteArray();
  }
}
