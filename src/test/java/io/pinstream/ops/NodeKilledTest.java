package io.pinstream.ops;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.NodeProcess;
import io.pinstream.testing.TestApp;
import io.pinstream.testing.TestPhotos;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes on one database, Redis and media folder: one in a process of its own, killed with
 * SIGKILL mid-work; the test's in-process node survives and must finish everything the dead one
 * accepted (its thumbnail jobs once their lease runs out, its fan-outs from the outbox), without a
 * restart of anything.
 */
@DisplayName("A node killed with SIGKILL mid-upload and mid-fan-out: another node finishes its work, nothing accepted is lost")
class NodeKilledTest {
  @RegisterExtension
  static TestApp app = new TestApp(json -> {
    // Uploads answer 202 at once (rendering goes on after the answer), and a dead node's job is
    // taken over 2 s after its last sign of life.
    json.getJsonObject("media").put("sync_wait_ms", 0).put("job_lease_seconds", 2).put("workers", 1);
  });

  private static long count(String query) throws Exception {
    try (Connection sql = app.jdbc(); ResultSet rows = sql.createStatement().executeQuery(query)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  @Test
  @DisplayName("mid-upload: every upload answered 202 by the dead node becomes ready on the survivor")
  void midUpload() throws Exception {
    String token = app.api().signUpAndLogIn("killed_uploader");
    List<String> accepted = new ArrayList<>();
    List<byte[]> photos = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      photos.add(TestPhotos.jpeg(5000, 4000));
    }
    long pendingAtKill;
    try (NodeProcess node = NodeProcess.start(app.configJson())) {
      for (byte[] photo : photos) {
        ApiClient.Reply reply = node.api().upload(token, photo);
        assertThat(reply.status()).as(reply.body()).isEqualTo(202);
        accepted.add(reply.json().getString("id"));
      }
      node.kill();
      pendingAtKill = count("SELECT count(*) FROM media WHERE status <> 'ready' AND id IN ("
          + String.join(",", accepted) + ")");
    }
    long killedAt = System.currentTimeMillis();
    List<String> ready = new ArrayList<>();
    while (System.currentTimeMillis() - killedAt < 60_000 && ready.size() < accepted.size()) {
      ready.clear();
      for (String id : accepted) {
        JsonObject media = app.api().get("/api/v1/media/" + id, token).json();
        if ("ready".equals(media.getString("status"))) {
          ready.add(id);
        }
      }
      Thread.sleep(200);
    }
    long recoveredMs = System.currentTimeMillis() - killedAt;
    System.out.printf("[reliability] node killed mid-upload: %d uploads answered 202, %d not yet rendered at the kill; "
        + "all %d ready on the surviving node %d ms after the kill%n", accepted.size(), pendingAtKill, ready.size(), recoveredMs);
    assertThat(pendingAtKill).as("uploads the dead node had not rendered (else this proves nothing)").isPositive();
    assertThat(ready).containsExactlyInAnyOrderElementsOf(accepted);
    for (String id : accepted) {
      JsonObject media = app.api().get("/api/v1/media/" + id, token).json();
      String url = media.getJsonObject("images").getJsonObject("236x").getString("url");
      assertThat(app.api().get(url).status()).as(url).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("mid-fan-out: every pin the dead node answered 201 reaches every follower's home feed")
  void midFanOut() throws Exception {
    String star = app.api().signUpAndLogIn("killed_star");
    String board = app.api().createBoard(star, "Busy");
    String media = app.api().uploadPhoto(star);
    List<String> followers = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      String follower = app.api().signUpAndLogIn("kf_" + i);
      assertThat(app.api().put("/api/v1/users/killed_star/follow", follower).status()).isEqualTo(204);
      followers.add(follower);
    }
    Set<String> created = ConcurrentHashMap.newKeySet();
    try (NodeProcess node = NodeProcess.start(app.configJson())) {
      ExecutorService writers = Executors.newFixedThreadPool(3);
      for (int w = 0; w < 3; w++) {
        int writer = w;
        writers.submit(() -> {
          for (int i = 0; i < 200; i++) {
            ApiClient.Reply reply;
            try {
              reply = node.api().post("/api/v1/pins", new JsonObject().put("board_id", board).put("media_id", media)
                  .put("title", "busy " + writer + " " + i), star);
            } catch (IllegalStateException connectionLost) {
              return null; // the node is dead: this pin was never answered
            }
            if (reply.status() == 201) {
              created.add(reply.json().getString("id"));
            }
          }
          return null;
        });
      }
      while (created.size() < 30) {
        Thread.sleep(5);
      }
      node.kill();
      writers.shutdown();
      assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
    long killedAt = System.currentTimeMillis();
    long overdueAtKill = count("SELECT count(*) FROM feed_outbox");
    // Right away, before the dead node's leases end: feeds are read from PostgreSQL while fan-outs are overdue.
    List<String> missingAtOnce = new ArrayList<>();
    for (String follower : followers.subList(0, 10)) {
      Set<String> home = ConcurrentHashMap.newKeySet();
      app.api().pages("/api/v1/feeds/home", follower, 100).forEach(home::addAll);
      created.stream().filter(id -> !home.contains(id)).forEach(missingAtOnce::add);
    }
    assertThat(missingAtOnce).as("pins missing from followers' home feeds right after the kill").isEmpty();
    // The survivor's sweep delivers what the dead node had not; until then, reads come from PostgreSQL.
    while (count("SELECT count(*) FROM feed_outbox") > 0 && System.currentTimeMillis() - killedAt < 60_000) {
      Thread.sleep(100);
    }
    long drainedMs = System.currentTimeMillis() - killedAt;
    List<String> missing = new ArrayList<>();
    for (String follower : followers) {
      Set<String> home = ConcurrentHashMap.newKeySet();
      app.api().pages("/api/v1/feeds/home", follower, 100).forEach(home::addAll);
      created.stream().filter(id -> !home.contains(id)).forEach(missing::add);
    }
    System.out.printf("[reliability] node killed mid-fan-out: %d pins answered 201 to %d followers, %d fan-outs pending at "
        + "the kill, drained by the survivor %d ms after it; %d (pin, follower) entries missing%n",
        created.size(), followers.size(), overdueAtKill, drainedMs, missing.size());
    assertThat(count("SELECT count(*) FROM feed_outbox")).as("fan-outs left undelivered").isZero();
    assertThat(missing).as("pins missing from followers' home feeds").isEmpty();
  }
}
