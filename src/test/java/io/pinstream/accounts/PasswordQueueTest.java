package io.pinstream.accounts;

import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Password checks run on a bounded queue")
class PasswordQueueTest {
  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("auth").put("bcrypt_cost", 12).put("password_queue_size", 2));

  @Test
  @DisplayName("a burst of log-ins beyond the queue gets 503 with Retry-After at once, never a pile-up or a 500")
  void burstIsShed() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(24);
    try {
      List<Future<io.pinstream.testing.ApiClient.Reply>> replies = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        int k = i;
        replies.add(pool.submit(() -> app.api().post("/api/v1/sessions",
            new JsonObject().put("username", "nobody" + k).put("password", "whatever1"), null)));
      }
      int shed = 0;
      for (Future<io.pinstream.testing.ApiClient.Reply> f : replies) {
        var reply = f.get();
        assertThat(reply.status()).isIn(401, 503);
        if (reply.status() == 503) {
          shed++;
          assertThat(reply.header("Retry-After")).isEqualTo("1");
          assertThat(reply.json().getString("code")).isEqualTo("password_checks_busy");
        }
      }
      assertThat(shed).isPositive();
    } finally {
      pool.shutdown();
    }
  }
}
