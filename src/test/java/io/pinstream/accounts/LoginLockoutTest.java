package io.pinstream.accounts;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Clients are told apart by X-Forwarded-For here (trusted in this test's configuration). */
@DisplayName("Log-in guessing: counted before checking, per username and address, on a bounded queue")
class LoginLockoutTest {
  private static final int GUESSES = 10;

  @RegisterExtension
  static TestApp app = new TestApp(json -> {
    json.getJsonObject("http").put("trust_forwarded_for", true);
    json.getJsonObject("rate_limits").put("failed_logins_per_username_per_15min", GUESSES);
  });

  private static ApiClient.Reply logIn(String username, String password, String address) {
    byte[] body = new JsonObject().put("username", username).put("password", password).toBuffer().getBytes();
    return app.api().send("POST", "/api/v1/sessions",
        Map.of("Content-Type", "application/json", "X-Forwarded-For", address), body);
  }

  private static List<Integer> concurrently(int n, java.util.function.IntFunction<ApiClient.Reply> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<ApiClient.Reply>> replies = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        replies.add(pool.submit(() -> call.apply(k)));
      }
      List<Integer> statuses = new ArrayList<>();
      for (Future<ApiClient.Reply> reply : replies) {
        statuses.add(reply.get().status());
      }
      return statuses;
    } finally {
      pool.shutdown();
    }
  }

  @Test
  @DisplayName("30 concurrent wrong passwords: at most the limit are checked, the rest get 429; the owner elsewhere still logs in")
  void concurrentGuesses() throws Exception {
    app.api().signUpAndLogIn("target");
    List<Integer> statuses = concurrently(30, i -> logIn("target", "wrong guess " + i, "203.0.113.9"));
    assertThat(statuses).containsOnly(401, 429);
    assertThat(statuses).filteredOn(s -> s == 401).hasSizeLessThanOrEqualTo(GUESSES);
    assertThat(statuses).filteredOn(s -> s == 429).hasSizeGreaterThanOrEqualTo(30 - GUESSES);

    var locked = logIn("target", "correct horse", "203.0.113.9");
    assertThat(locked.status()).isEqualTo(429);
    assertThat(Integer.parseInt(locked.header("Retry-After"))).isBetween(1, 900);
    // Another address (the owner at home) is not locked out by the guesser.
    assertThat(logIn("target", "correct horse", "198.51.100.7").status()).isEqualTo(201);
  }

  @Test
  @DisplayName("an IPv6 client is one /64: changing the low bits does not buy more guesses")
  void ipv6ByNetwork() {
    app.api().signUpAndLogIn("target6");
    for (int i = 0; i < GUESSES; i++) {
      assertThat(logIn("target6", "nope", "2001:db8:1:2::" + Integer.toHexString(i + 1)).status()).isEqualTo(401);
    }
    assertThat(logIn("target6", "nope", "2001:db8:1:2:ffff::1").status()).isEqualTo(429);
    assertThat(logIn("target6", "correct horse", "2001:db8:1:3::1").status()).isEqualTo(201);
  }

  @Test
  @DisplayName("a success clears the count: a user who mistypes now and then is never locked out")
  void successClears() {
    app.api().signUpAndLogIn("typo");
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < GUESSES - 1; i++) {
        assertThat(logIn("typo", "tpyo", "192.0.2.44").status()).isEqualTo(401);
      }
      assertThat(logIn("typo", "correct horse", "192.0.2.44").status()).isEqualTo(201);
    }
  }
}
