package io.pinstream.ops;

import io.pinstream.testing.TestApp;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Operations: health, readiness, metrics, request ids, errors")
class OpsTest {
  @RegisterExtension
  static TestApp app = new TestApp();

  @Test
  @DisplayName("/health and /ready answer 200 while PostgreSQL and Redis are up")
  void healthAndReady() {
    assertThat(app.api().get("/health").status()).isEqualTo(200);
    var ready = app.api().get("/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getJsonObject("checks").getString("postgres")).isEqualTo("up");
    assertThat(ready.json().getJsonObject("checks").getString("redis")).isEqualTo("up");
  }

  @Test
  @DisplayName("/metrics is Prometheus text with HTTP latency histograms labelled by route")
  void metrics() {
    app.api().get("/api/v1/users/nobody_at_all");
    assertThat(app.api().get("/metrics").status()).as("metrics are not on the public port").isEqualTo(404);
    var metrics = app.management().get("/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.header("Content-Type")).startsWith("text/plain");
    assertThat(metrics.body())
        .contains("vertx_http_server_response_time_seconds_bucket")
        .contains("route=\"/api/v1/users/:username\"")
        .contains("vertx_pool_");
  }

  @Test
  @DisplayName("every response carries an X-Request-Id, the caller's own when it sends a sane one")
  void requestIds() {
    assertThat(app.api().get("/health").header("X-Request-Id")).matches("[0-9a-f]{24}");
    var echoed = app.api().send("GET", "/health", Map.of("X-Request-Id", "edge-42.abc"), null);
    assertThat(echoed.header("X-Request-Id")).isEqualTo("edge-42.abc");
    var replaced = app.api().send("GET", "/health", Map.of("X-Request-Id", "bad id with spaces"), null);
    assertThat(replaced.header("X-Request-Id")).matches("[0-9a-f]{24}");
  }

  @Test
  @DisplayName("unknown paths and wrong methods get problem+json, never an HTML page")
  void unknownRoutes() {
    var missing = app.api().get("/api/v1/nothing-here");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.header("Content-Type")).startsWith("application/problem+json");
    assertThat(missing.json().getString("code")).isEqualTo("not_found");
    var wrongMethod = app.api().send("PATCH", "/api/v1/accounts", Map.of(), null);
    assertThat(wrongMethod.status()).isEqualTo(405);
    assertThat(wrongMethod.header("Content-Type")).startsWith("application/problem+json");
    assertThat(wrongMethod.json().getString("code")).isEqualTo("method_not_allowed");
  }

  @Test
  @DisplayName("a JSON body over the limit is 413 problem+json")
  void bodyLimit() {
    byte[] huge = ("{\"name\":\"" + "x".repeat(app.config().http().jsonBodyLimit() + 10) + "\"}").getBytes();
    var reply = app.api().send("POST", "/api/v1/accounts", Map.of("Content-Type", "application/json"), huge);
    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
  }
}
