package io.pinstream.accounts;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** All requests here come from 127.0.0.1, so the per-IP counters add up across the tests: they run in order. */
@DisplayName("Abuse limits on sign-up and log-in")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RateLimitTest {
  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("rate_limits")
      .put("signups_per_ip_per_hour", 5)
      .put("signups_per_username_per_hour", 2)
      .put("logins_per_ip_per_15min", 8)
      .put("failed_logins_per_username_per_15min", 3));

  @BeforeAll
  static void victim() {
    app.api().signUpAndLogIn("victim"); // 1 sign-up, 1 log-in
  }

  private static ApiClient.Reply logIn(String username, String password) {
    return app.api().post("/api/v1/sessions", new JsonObject().put("username", username).put("password", password), null);
  }

  private static ApiClient.Reply signUp(String username) {
    return app.api().post("/api/v1/accounts", new JsonObject().put("username", username).put("password", "password1"), null);
  }

  @Test
  @Order(1)
  @DisplayName("failed log-ins for one username are cut off with 429 and Retry-After, even with the right password")
  void failedLoginsPerUsername() {
    for (int i = 0; i < 3; i++) {
      assertThat(logIn("victim", "guess guess").status()).isEqualTo(401);
    }
    var limited = logIn("victim", "correct horse");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.header("Content-Type")).startsWith("application/problem+json");
    assertThat(limited.json().getString("code")).isEqualTo("rate_limited");
    assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(1, 900);
  }

  @Test
  @Order(2)
  @DisplayName("repeated sign-ups for one username are limited")
  void signUpsPerUsername() {
    assertThat(signUp("wanted").status()).isEqualTo(201);
    assertThat(signUp("wanted").status()).isEqualTo(409);
    assertThat(signUp("wanted").status()).isEqualTo(429);
  }

  @Test
  @Order(3)
  @DisplayName("sign-ups per IP are limited, and the 429 creates no user")
  void signUpsPerIp() throws Exception {
    // 4 of the 5 allowed are used: victim and three tries at "wanted".
    assertThat(signUp("flood_1").status()).isEqualTo(201);
    var limited = signUp("flood_2");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.header("Retry-After")).isNotNull();
    long rows = app.app().components().pg().query("SELECT count(*) FROM users WHERE username = 'flood_2'")
        .execute().await().iterator().next().getLong(0);
    assertThat(rows).isZero();
  }

  @Test
  @Order(4)
  @DisplayName("log-ins per IP are limited whatever the username")
  void loginsPerIp() {
    // 5 of the 8 allowed are used by the tests above.
    assertThat(logIn("wanted", "password1").status()).isEqualTo(201);
    assertThat(logIn("flood_1", "password1").status()).isEqualTo(201);
    assertThat(logIn("flood_1", "password1").status()).isEqualTo(201);
    assertThat(logIn("flood_1", "password1").status()).isEqualTo(429);
  }
}
