package io.pinstream.accounts;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pinstream.PinstreamApp;
import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Accounts and sessions")
class AccountsApiTest {
  @RegisterExtension
  static TestApp app = new TestApp();

  private static ApiClient api() {
    return app.api();
  }

  private static JsonObject account(String username, String password) {
    return new JsonObject().put("username", username).put("password", password);
  }

  @Test
  @DisplayName("sign-up creates a user whose password is stored only as a bcrypt hash")
  void signUp() throws Exception {
    var reply = api().post("/api/v1/accounts", account("anna_k", "long enough").put("display_name", "Anna K"), null);
    assertThat(reply.status()).isEqualTo(201);
    JsonObject user = reply.json();
    assertThat(user.getString("id")).matches("\\d+");
    assertThat(user.getString("username")).isEqualTo("anna_k");
    assertThat(user.getString("display_name")).isEqualTo("Anna K");
    assertThat(user.getInteger("follower_count")).isZero();
    assertThat(user.getString("created_at")).endsWith("Z");
    assertThat(reply.header("Location")).isEqualTo("/api/v1/users/anna_k");
    assertThat(reply.body()).doesNotContain("long enough").doesNotContain("password");

    String stored = app.app().components().pg()
        .query("SELECT password_hash FROM users WHERE username = 'anna_k'").execute()
        .await().iterator().next().getString(0);
    assertThat(stored).startsWith("$2b$").doesNotContain("long enough");
  }

  @Test
  @DisplayName("a taken username is 409 username_taken")
  void usernameTaken() {
    assertThat(api().post("/api/v1/accounts", account("taken_name", "password1"), null).status()).isEqualTo(201);
    var again = api().post("/api/v1/accounts", account("taken_name", "password2"), null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.header("Content-Type")).startsWith("application/problem+json");
    assertThat(again.json().getString("code")).isEqualTo("username_taken");
  }

  @Test
  @DisplayName("bad sign-ups get 400 or 422 naming each bad field, and create nothing")
  void badSignUps() throws Exception {
    assertThat(api().postRaw("/api/v1/accounts", "{not json", null).json().getString("code")).isEqualTo("malformed_json");
    assertThat(api().postRaw("/api/v1/accounts", "[1,2]", null).status()).isEqualTo(400);
    assertThat(api().postRaw("/api/v1/accounts", "", null).status()).isEqualTo(400);

    var wrong = api().post("/api/v1/accounts", new JsonObject().put("username", "UPPER").put("password", 12345678), null);
    assertThat(wrong.status()).isEqualTo(422);
    assertThat(wrong.json().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
        .containsExactlyInAnyOrder("username", "password");

    assertThat(api().post("/api/v1/accounts", account("ab", "password1"), null).status()).isEqualTo(422);
    assertThat(api().post("/api/v1/accounts", account("a".repeat(31), "password1"), null).status()).isEqualTo(422);
    assertThat(api().post("/api/v1/accounts", account("shortpw", "1234567"), null).status()).isEqualTo(422);
    assertThat(api().post("/api/v1/accounts", new JsonObject().put("password", "password1"), null).status()).isEqualTo(422);
    assertThat(api().post("/api/v1/accounts", account("longname", "password1").put("display_name", "x".repeat(51)), null)
        .status()).isEqualTo(422);

    long users = app.app().components().pg().query("SELECT count(*) FROM users WHERE username IN ('ab', 'shortpw', 'longname')")
        .execute().await().iterator().next().getLong(0);
    assertThat(users).isZero();
  }

  @Test
  @DisplayName("log-in gives a token that works until it is revoked")
  void sessionLifecycle() {
    api().post("/api/v1/accounts", account("sam", "sam password"), null);
    var login = api().post("/api/v1/sessions", account("sam", "sam password"), null);
    assertThat(login.status()).isEqualTo(201);
    String token = login.json().getString("token");
    assertThat(login.json().getJsonObject("user").getString("username")).isEqualTo("sam");

    assertThat(api().post("/api/v1/boards", new JsonObject().put("name", "Shoes"), token).status()).isEqualTo(201);
    assertThat(api().delete("/api/v1/sessions/current", token).status()).isEqualTo(204);

    var afterRevoke = api().post("/api/v1/boards", new JsonObject().put("name", "Hats"), token);
    assertThat(afterRevoke.status()).isEqualTo(401);
    assertThat(afterRevoke.header("Content-Type")).startsWith("application/problem+json");
    assertThat(api().delete("/api/v1/sessions/current", token).status()).isEqualTo(401);

    // Another session of the same user is unaffected by revoking the first.
    String second = api().logIn("sam", "sam password");
    assertThat(api().post("/api/v1/boards", new JsonObject().put("name", "Hats"), second).status()).isEqualTo(201);
  }

  @Test
  @DisplayName("a session revoked on one node stops working on another that had it cached")
  void revocationReachesOtherNodes() throws Exception {
    PrometheusMeterRegistry registry = PinstreamApp.newRegistry();
    Vertx vertxB = PinstreamApp.createVertx(registry);
    PinstreamApp nodeB = PinstreamApp.start(vertxB, app.config(), registry).await(60, TimeUnit.SECONDS);
    try {
      ApiClient onB = new ApiClient("http://127.0.0.1:" + nodeB.port());
      String token = api().signUpAndLogIn("roaming");
      assertThat(onB.get("/api/v1/feeds/home", token).status()).isEqualTo(200); // now cached in node B's memory
      assertThat(api().delete("/api/v1/sessions/current", token).status()).isEqualTo(204);

      // The revocation travels over Redis pub/sub: well within a second, far below the cache's 10 s.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      int status;
      do {
        status = onB.get("/api/v1/feeds/home", token).status();
      } while (status == 200 && System.nanoTime() < deadline);
      assertThat(status).isEqualTo(401);
    } finally {
      nodeB.stop().await(30, TimeUnit.SECONDS);
      vertxB.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("a wrong password or unknown user is 401; missing or garbage tokens are 401")
  void wrongCredentials() {
    api().post("/api/v1/accounts", account("tom", "tom password"), null);
    assertThat(api().post("/api/v1/sessions", account("tom", "not his password"), null).status()).isEqualTo(401);
    assertThat(api().post("/api/v1/sessions", account("nobody_here", "whatever1"), null).status()).isEqualTo(401);
    assertThat(api().post("/api/v1/boards", new JsonObject().put("name", "x"), null).status()).isEqualTo(401);
    assertThat(api().post("/api/v1/boards", new JsonObject().put("name", "x"), "pst_forged").status()).isEqualTo(401);
    assertThat(api().delete("/api/v1/sessions/current", null).status()).isEqualTo(401);
  }
}
