package io.pinstream.ops;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.PrivatePostgres;
import io.pinstream.testing.TestApp;
import io.pinstream.testing.Timed;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A PostgreSQL of its own, frozen with SIGSTOP (a hung host: connections stay open, nothing
 * answers). Without a deadline on each statement every request touching PostgreSQL waited for ever.
 */
@DisplayName("PostgreSQL frozen: every request answered within its deadline, 2xx or 503 + Retry-After")
class PostgresFrozenTest {
  private static final int DEADLINE_MS = 1000;

  @RegisterExtension
  @Order(1)
  static PrivatePostgres postgres = new PrivatePostgres();

  @RegisterExtension
  @Order(2)
  static TestApp app = new TestApp(json -> json.getJsonObject("pg").put("uri", postgres.uri("pinstream_frozen"))
      .put("query_timeout_ms", DEADLINE_MS));

  @Test
  @DisplayName("frozen under load: answers in time, /ready 503; thawed: writes again without a restart, every 201 pin shown")
  void frozen() throws Exception {
    String token = app.api().signUpAndLogIn("pg_frozen");
    String board = app.api().createBoard(token, "Frozen");
    String media = app.api().uploadPhoto(token);
    List<String> created = new ArrayList<>(List.of(app.api().createPin(token, board, media, "before").getString("id")));

    Map<Integer, Integer> statuses = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    AtomicLong worstMs = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService clients = Executors.newFixedThreadPool(6);
    Map<String, Boolean> createdDuringFreeze = new ConcurrentHashMap<>();
    for (int c = 0; c < 6; c++) {
      int client = c;
      clients.submit(() -> {
        int i = 0;
        while (running.get()) {
          Timed t = client % 2 == 0
              ? Timed.of(() -> app.api().post("/api/v1/pins", new JsonObject().put("board_id", board)
                  .put("media_id", media).put("title", "frozen " + client + " " + System.nanoTime()), token))
              : Timed.of(() -> app.api().get("/api/v1/boards/" + board + "/pins?page_size=5"));
          synchronized (statuses) {
            statuses.merge(t.reply().status(), 1, Integer::sum);
            worstMs.accumulateAndGet(t.ms(), Math::max);
            int s = t.reply().status();
            if (s == 201) {
              createdDuringFreeze.put(t.reply().json().getString("id"), true);
            } else if (s != 200 && (s != 503 || t.reply().header("Retry-After") == null)) {
              problems.add(s + " " + t.reply().body());
            }
          }
          i++;
        }
        return null;
      });
    }
    Thread.sleep(500);
    postgres.freeze();
    Timed ready;
    Timed write;
    try {
      Thread.sleep(2 * DEADLINE_MS);
      ready = Timed.of(() -> app.api().get("/ready"));
      write = Timed.of(() -> app.api().post("/api/v1/pins", new JsonObject().put("board_id", board)
          .put("media_id", media).put("title", "while frozen"), token));
      Thread.sleep(3 * DEADLINE_MS);
    } finally {
      postgres.thaw();
    }
    long thawedAt = System.currentTimeMillis();
    long recoveredAt = 0;
    while (System.currentTimeMillis() - thawedAt < 20_000) {
      if (app.api().get("/ready").status() == 200) {
        recoveredAt = System.currentTimeMillis();
        break;
      }
      Thread.sleep(100);
    }
    running.set(false);
    clients.shutdown();
    assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    System.out.printf("[reliability] PostgreSQL frozen (deadline %d ms): answers by status %s, worst %d ms; "
            + "/ready %d in %d ms; a write %d in %d ms; ready again %d ms after the thaw%n",
        DEADLINE_MS, statuses, worstMs.get(), ready.reply().status(), ready.ms(), write.reply().status(), write.ms(),
        recoveredAt - thawedAt);

    assertThat(ready.reply().status()).isEqualTo(503);
    assertThat(ready.reply().json().getJsonObject("checks").getString("postgres")).isEqualTo("down");
    assertThat(ready.ms()).as("/ready ms").isLessThan(4000);
    assertThat(write.reply().status()).as(write.reply().body()).isEqualTo(503);
    assertThat(write.reply().header("Retry-After")).isNotNull();
    assertThat(write.ms()).as("a write's ms while frozen").isLessThan(4L * DEADLINE_MS);
    assertThat(problems).as("answers other than 2xx and 503 + Retry-After").isEmpty();
    assertThat(statuses).containsKey(503).doesNotContainKey(500);
    // Every answer came within the deadline plus the pool's wait, not after the freeze ended.
    assertThat(worstMs.get()).as("worst answer ms").isLessThan(4L * DEADLINE_MS);
    assertThat(recoveredAt).as("ready again after the thaw").isPositive();

    ApiClient.Reply after = app.api().post("/api/v1/pins", new JsonObject().put("board_id", board)
        .put("media_id", media).put("title", "after"), token);
    assertThat(after.status()).as(after.body()).isEqualTo(201);
    created.add(after.json().getString("id"));
    created.addAll(createdDuringFreeze.keySet());
    List<String> shown = new ArrayList<>();
    app.api().pages("/api/v1/boards/" + board + "/pins?page_size=100", token, 100).forEach(shown::addAll);
    assertThat(shown).containsAll(created);
  }
}
