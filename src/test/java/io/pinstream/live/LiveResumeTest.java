package io.pinstream.live;

import io.pinstream.feed.PinDelivered;
import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reconnecting with the position of the last message seen (the topic history's epoch and offset):
 * what was missed arrives in the order it was published, deletions included, then the topic is live,
 * without a gap or a duplicate; a lost history is said so.
 */
@DisplayName("Live: resuming a topic from its history's epoch and offset")
class LiveResumeTest {
  private static final int REPLAY_MAX = 30;

  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("live").put("replay_max_pins", REPLAY_MAX));

  private static Vertx client;
  private static String media;

  @BeforeAll
  static void setUp() {
    client = Vertx.vertx();
    media = api().uploadPhoto(api().signUpAndLogIn("resume_photographer"));
  }

  @AfterAll
  static void tearDown() {
    client.close().await();
  }

  private static ApiClient api() {
    return app.api();
  }

  private static LiveClient connect(String token) {
    return LiveClient.connect(client, app.port(), token);
  }

  private static String pin(String token, String board, String title) {
    return api().createPin(token, board, media, title).getString("id");
  }

  private static JsonObject resumeFrame(String topic, JsonObject last) {
    return new JsonObject().put("type", "subscribe").put("topic", topic)
        .put("epoch", last.getString("epoch")).put("offset", last.getLong("offset"));
  }

  @Test
  @DisplayName("a client away gets, in publication order, the pins and the deletions it missed, then live ones, each once")
  void resumeWithDeletions() {
    String author = api().signUpAndLogIn("resume_author");
    String board = api().createBoard(author, "Away");
    String topic = "board:" + board;
    String seen;
    JsonObject last;
    try (LiveClient live = connect(null)) {
      JsonObject subscribed = live.subscribed(new JsonObject().put("type", "subscribe").put("topic", topic));
      assertThat(subscribed.getString("epoch")).isNotBlank();
      seen = pin(author, board, "seen");
      last = live.next();
      assertThat(last.getJsonObject("pin").getString("id")).isEqualTo(seen);
      assertThat(last.getString("epoch")).isEqualTo(subscribed.getString("epoch"));
      assertThat(last.getLong("offset")).isEqualTo(subscribed.getLong("offset") + 1);
    }
    List<String> published;
    try (LiveClient spectator = connect(null)) { // sees the order in which the events were published
      spectator.subscribe(topic);
      String first = pin(author, board, "missed 1");
      String gone = pin(author, board, "missed, then deleted");
      assertThat(api().delete("/api/v1/pins/" + seen, author).status()).isEqualTo(204);
      assertThat(api().delete("/api/v1/pins/" + gone, author).status()).isEqualTo(204);
      String second = pin(author, board, "missed 2");
      published = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        published.add(describe(spectator.next()));
      }
      assertThat(published).containsExactlyInAnyOrder("pin " + first, "pin " + gone, "pin_deleted " + seen,
          "pin_deleted " + gone, "pin " + second);
      published.remove("pin " + gone); // created and deleted while away: only its deletion is replayed
    }

    try (LiveClient live = connect(null)) {
      JsonObject subscribed = live.subscribed(resumeFrame(topic, last));
      assertThat(subscribed.getBoolean("recovered")).isTrue();
      assertThat(subscribed.getLong("offset")).isEqualTo(last.getLong("offset"));
      List<JsonObject> replayed = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        replayed.add(live.next());
      }
      assertThat(replayed).extracting(LiveResumeTest::describe).containsExactlyElementsOf(published);
      assertOrdered(last, replayed);
      String third = pin(author, board, "live again");
      JsonObject next = live.next();
      assertThat(describe(next)).isEqualTo("pin " + third);
      assertOrdered(replayed.get(3), List.of(next));
      live.assertQuiet(300);
    }
  }

  private static String describe(JsonObject m) {
    return m.getString("type") + " " + (m.containsKey("pin") ? m.getJsonObject("pin").getString("id") : m.getString("pin_id"));
  }

  /** Same epoch as {@code after}, offsets strictly increasing from it. */
  private static void assertOrdered(JsonObject after, List<JsonObject> messages) {
    long offset = after.getLong("offset");
    for (JsonObject m : messages) {
      assertThat(m.getString("epoch")).isEqualTo(after.getString("epoch"));
      assertThat(m.getLong("offset")).as(m.encode()).isGreaterThan(offset);
      offset = m.getLong("offset");
    }
  }

  @Test
  @DisplayName("a pin whose event is published after a newer pin's is not missed by a client that saw the newer one")
  void outOfIdOrder() {
    String author = api().signUpAndLogIn("order_author");
    String board = api().createBoard(author, "Order");
    String topic = "board:" + board;
    String older = pin(author, board, "older id, late event");
    JsonObject last;
    String newer;
    try (LiveClient live = connect(null)) {
      live.subscribe(topic);
      newer = pin(author, board, "newer id");
      last = live.next();
      assertThat(last.getJsonObject("pin").getString("id")).isEqualTo(newer);
    }
    assertThat(Long.parseLong(older)).isLessThan(Long.parseLong(newer));
    // The older pin's event reaches the relay only now (a slow fan-out on another node, say): it is
    // published after the newer pin's, with the next offset.
    try (LiveClient spectator = connect(null)) {
      spectator.subscribe(topic);
      app.app().components().events().publish(new PinDelivered(Long.parseLong(older),
          Long.parseLong(last.getJsonObject("pin").getJsonObject("owner").getString("id")), "order_author", Long.parseLong(board), false));
      assertThat(spectator.pins(topic, 1)).containsExactly(older);
    }
    try (LiveClient live = connect(null)) {
      assertThat(live.subscribed(resumeFrame(topic, last)).getBoolean("recovered")).isTrue();
      JsonObject late = live.next();
      assertThat(describe(late)).isEqualTo("pin " + older);
      assertThat(late.getLong("offset")).isEqualTo(last.getLong("offset") + 1);
      live.assertQuiet(300);
    }
    // With the older way (since = the newest pin id seen) the late pin is below the mark: not replayed.
    try (LiveClient live = connect(null)) {
      live.subscribed(new JsonObject().put("type", "subscribe").put("topic", topic).put("since", newer));
      live.assertQuiet(500);
    }
  }

  @Test
  @DisplayName("after the history was lost (its Redis keys gone), a resuming client is told: new epoch, recovered false, resync")
  void epochChanges() throws Exception {
    String author = api().signUpAndLogIn("epoch_author");
    String board = api().createBoard(author, "Epochs");
    String topic = "board:" + board;
    JsonObject last;
    try (LiveClient live = connect(null)) {
      live.subscribe(topic);
      pin(author, board, "before the loss");
      last = live.next();
    }
    app.flushRedis();
    try (LiveClient spectator = connect(null)) {
      spectator.subscribe(topic);
      pin(author, board, "after the loss"); // a new history began
      spectator.pins(topic, 1);
    }
    try (LiveClient live = connect(null)) {
      JsonObject subscribed = live.subscribed(resumeFrame(topic, last));
      assertThat(subscribed.getBoolean("recovered")).isFalse();
      assertThat(subscribed.getString("epoch")).isNotEqualTo(last.getString("epoch"));
      assertThat(live.next()).isEqualTo(new JsonObject().put("type", "resync").put("topic", topic).put("reason", "history_lost"));
      String next = pin(author, board, "live in the new history");
      JsonObject m = live.next();
      assertThat(describe(m)).isEqualTo("pin " + next);
      assertThat(m.getString("epoch")).isEqualTo(subscribed.getString("epoch"));
      assertThat(m.getLong("offset")).isEqualTo(subscribed.getLong("offset") + 1);
    }
  }

  @Test
  @DisplayName("pins published while the replay is read arrive once each, after the replay, in offset order")
  void noDuplicatesRacingTheReplay() throws Exception {
    String author = api().signUpAndLogIn("race_author");
    String board = api().createBoard(author, "Race");
    String topic = "board:" + board;
    JsonObject start;
    try (LiveClient live = connect(null)) {
      start = live.subscribed(new JsonObject().put("type", "subscribe").put("topic", topic));
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      expected.add(pin(author, board, "missed " + i));
    }
    try (LiveClient live = connect(null)) {
      List<String> during = new ArrayList<>();
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < 10; i++) {
          during.add(pin(author, board, "during " + i));
        }
      });
      live.subscribed(resumeFrame(topic, start));
      writer.get(30, TimeUnit.SECONDS);
      expected.addAll(during);
      List<JsonObject> got = new ArrayList<>();
      for (int i = 0; i < expected.size(); i++) {
        got.add(live.next());
      }
      JsonObject extra = live.nextOrNull(500);
      assertThat(extra).as(() -> "no further message; got " + got.stream().map(m -> m.getLong("offset") + " "
          + m.getJsonObject("pin").getString("title")).toList()).isNull();
      List<String> ids = got.stream().map(m -> m.getJsonObject("pin").getString("id")).toList();
      assertThat(new HashSet<>(ids)).hasSameSizeAs(ids);
      assertThat(ids).containsExactlyInAnyOrderElementsOf(expected);
      assertOrdered(start, got);
    }
  }

  @Test
  @DisplayName("home resumes from every pin's history, filtered to what the viewer's home shows")
  void homeResume() {
    String viewer = api().signUpAndLogIn("hr_viewer");
    String followed = api().signUpAndLogIn("hr_followed");
    String stranger = api().signUpAndLogIn("hr_stranger");
    String board = api().createBoard(followed, "Followed");
    String otherBoard = api().createBoard(stranger, "Not followed");
    api().put("/api/v1/users/hr_followed/follow", viewer);
    JsonObject start;
    try (LiveClient live = connect(viewer)) {
      start = live.subscribed(new JsonObject().put("type", "subscribe").put("topic", "home"));
    }
    String a = pin(followed, board, "for the viewer");
    pin(stranger, otherBoard, "not for the viewer");
    String b = pin(followed, board, "also for the viewer");
    try (LiveClient live = connect(viewer)) {
      assertThat(live.subscribed(resumeFrame("home", start)).getBoolean("recovered")).isTrue();
      assertThat(live.pins("home", 2)).containsExactlyInAnyOrder(a, b);
      live.assertQuiet(300);
    }
  }

  @Test
  @DisplayName("more missed than replay_max_pins: resync; a malformed position: invalid_offset")
  void tooManyAndMalformed() {
    String author = api().signUpAndLogIn("many_author");
    String board = api().createBoard(author, "Many");
    String topic = "board:" + board;
    JsonObject start;
    try (LiveClient live = connect(null)) {
      start = live.subscribed(new JsonObject().put("type", "subscribe").put("topic", topic));
    }
    try (LiveClient spectator = connect(null)) {
      spectator.subscribe(topic);
      for (int i = 0; i <= REPLAY_MAX; i++) {
        pin(author, board, "many " + i);
      }
      spectator.pins(topic, REPLAY_MAX + 1); // all published
    }
    try (LiveClient live = connect(null)) {
      JsonObject subscribed = live.subscribed(resumeFrame(topic, start));
      assertThat(subscribed.getBoolean("recovered")).isFalse();
      assertThat(live.next()).isEqualTo(new JsonObject().put("type", "resync").put("topic", topic).put("reason", "too_many_missed"));
      live.send(new JsonObject().put("type", "subscribe").put("topic", "trending").put("epoch", "x").put("offset", -1));
      JsonObject error = live.next();
      assertThat(error.getString("type")).isEqualTo("error");
      assertThat(error.getString("code")).isEqualTo("invalid_offset");
    }
  }
}
