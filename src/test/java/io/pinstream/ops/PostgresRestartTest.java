package io.pinstream.ops;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.PrivatePostgres;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** A PostgreSQL of its own, restarted (fast shutdown) while a writer and a reader keep going. */
@DisplayName("PostgreSQL restarted under load: 2xx or 503 + Retry-After, never 500; recovery without a restart")
class PostgresRestartTest {
  @RegisterExtension
  @Order(1)
  static PrivatePostgres postgres = new PrivatePostgres();

  @RegisterExtension
  @Order(2)
  static TestApp app = new TestApp(json -> json.getJsonObject("pg").put("uri", postgres.uri("pinstream_restart")));

  @Test
  @DisplayName("restart mid-load: every answer is 2xx or 503 with Retry-After; afterwards every pin answered 201 is in the feed")
  void restart() throws Exception {
    String token = app.api().signUpAndLogIn("pg_restart");
    String board = app.api().createBoard(token, "Restart");
    String media = app.api().uploadPhoto(token);
    Map<Integer, Integer> statuses = new TreeMap<>();
    Set<String> created = new TreeSet<>();
    List<String> problems = new ArrayList<>();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread writer = new Thread(() -> {
      int i = 0;
      while (running.get()) {
        ApiClient.Reply reply = app.api().post("/api/v1/pins", new JsonObject().put("board_id", board)
            .put("media_id", media).put("title", "w" + i++), token);
        synchronized (statuses) {
          statuses.merge(reply.status(), 1, Integer::sum);
          if (reply.status() == 201) {
            created.add(reply.json().getString("id"));
          } else if (reply.status() != 503 || reply.header("Retry-After") == null) {
            problems.add(reply.status() + " " + reply.body());
          }
        }
        ApiClient.Reply read = app.api().get("/api/v1/boards/" + board + "/pins?page_size=5");
        synchronized (statuses) {
          statuses.merge(read.status(), 1, Integer::sum);
          if (read.status() != 200 && (read.status() != 503 || read.header("Retry-After") == null)) {
            problems.add("read " + read.status() + " " + read.body());
          }
        }
      }
    }, "pg-restart-writer");
    writer.start();
    Thread.sleep(1000);
    long restartAt = System.currentTimeMillis();
    postgres.restart();
    long back = System.currentTimeMillis();
    // Recovery: writes succeed again without restarting the app.
    int before;
    synchronized (statuses) {
      before = created.size();
    }
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      synchronized (statuses) {
        if (created.size() >= before + 5) {
          break;
        }
      }
      Thread.sleep(50);
    }
    long recovered = System.currentTimeMillis();
    running.set(false);
    writer.join(30_000);
    System.out.printf("[reliability] PostgreSQL restarted (%d ms): answers by status %s; writes again %d ms after it was back%n",
        back - restartAt, statuses, recovered - back);
    assertThat(problems).as("answers other than 2xx and 503 + Retry-After").isEmpty();
    assertThat(statuses).containsKey(201).doesNotContainKey(500);
    assertThat(created.size()).isGreaterThanOrEqualTo(before + 5);
    List<String> shown = new ArrayList<>();
    app.api().pages("/api/v1/boards/" + board + "/pins?page_size=100", token, 100).forEach(shown::addAll);
    assertThat(shown).containsAll(created);
  }
}
