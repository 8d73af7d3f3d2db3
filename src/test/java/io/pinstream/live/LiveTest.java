package io.pinstream.live;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pinstream.PinstreamApp;
import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Live: WebSocket and SSE push, home routing, replay, two nodes, slow readers, bad frames")
class LiveTest {
  private static final int MAX_QUEUED = 64;
  private static final int REPLAY_MAX = 40;
  private static final int MAX_PER_ADDRESS = 40; // heartbeatsSpread opens 30 at once

  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("live")
      .put("max_subscriptions", 5).put("max_queued_messages", MAX_QUEUED).put("replay_max_pins", REPLAY_MAX)
      .put("ping_seconds", 1).put("idle_timeout_seconds", 3).put("max_frame_bytes", 1024)
      .put("max_connections_per_address", MAX_PER_ADDRESS));

  private static Vertx client;
  private static String media;

  @BeforeAll
  static void setUp() {
    client = Vertx.vertx();
    media = api().uploadPhoto(api().signUpAndLogIn("live_photographer"));
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

  @Test
  @DisplayName("a new pin is encoded once: its creator's answer, its feed entry and its live frame carry the same bytes")
  void encodedOnce() {
    String token = api().signUpAndLogIn("live_bytes");
    String board = api().createBoard(token, "Bytes");
    try (LiveClient live = connect(null)) {
      JsonObject at = live.subscribed(new JsonObject().put("type", "subscribe").put("topic", "board:" + board));
      var created = api().post("/api/v1/pins", new JsonObject().put("board_id", board).put("media_id", media)
          .put("title", "Caf\u00e9 \u6f02\u4eae \"quoted\""), token);
      assertThat(created.status()).isEqualTo(201);
      String pinJson = created.body();
      assertThat(live.nextText()).isEqualTo("{\"type\":\"pin\",\"topic\":\"board:" + board + "\",\"epoch\":\""
          + at.getString("epoch") + "\",\"offset\":" + (at.getLong("offset") + 1) + ",\"pin\":" + pinJson + "}");
      assertThat(api().get("/api/v1/boards/" + board + "/pins").body())
          .isEqualTo("{\"items\":[" + pinJson + "],\"bookmark\":null}");
    }
  }

  @Test
  @DisplayName("creating a pin encodes it once, for the answer, the feeds, the caches and the live push together")
  void oneEncodePerPin() {
    String token = api().signUpAndLogIn("live_encodes");
    String board = api().createBoard(token, "Encodes");
    var encodes = app.app().components().metrics().get("pinstream.pin.encodes").counter();
    try (LiveClient live = connect(null).subscribe("board:" + board)) {
      double before = encodes.count();
      String id = pin(token, board, "Once");
      assertThat(live.next().getJsonObject("pin").getString("id")).isEqualTo(id);
      assertThat(api().get("/api/v1/boards/" + board + "/pins").items()).hasSize(1);
      assertThat(encodes.count() - before).isEqualTo(1.0);
    }
  }

  @Test
  @DisplayName("subscribe to a board, a user and trending; receive new pins and deletions; unsubscribe stops them")
  void subscribeReceiveUnsubscribe() throws Exception {
    String author = api().signUpAndLogIn("sub_author");
    String board = api().createBoard(author, "Lamps");
    try (LiveClient live = connect(null)) {
      live.subscribe("board:" + board).subscribe("user:sub_author").subscribe("trending");
      double broadcasts = app.metric("pinstream_live_broadcast_seconds_count");
      String id = pin(author, board, "brass lamp");
      List<JsonObject> got = List.of(live.next(), live.next(), live.next());
      // every event loop timed its broadcast and how long the pin took to reach it
      assertThat(app.metric("pinstream_live_broadcast_seconds_count")).isGreaterThan(broadcasts);
      assertThat(app.metric("pinstream_live_lag_seconds_count")).isPositive();
      assertThat(got).extracting(m -> m.getString("topic"))
          .containsExactlyInAnyOrder("board:" + board, "user:sub_author", "trending");
      got.forEach(m -> {
        assertThat(m.getString("type")).isEqualTo("pin");
        assertThat(m.getJsonObject("pin").getString("id")).isEqualTo(id);
        assertThat(m.getJsonObject("pin").getString("title")).isEqualTo("brass lamp");
        assertThat(m.getJsonObject("pin").getJsonObject("owner").getString("username")).isEqualTo("sub_author");
      });

      assertThat(api().delete("/api/v1/pins/" + id, author).status()).isEqualTo(204);
      List<JsonObject> deleted = List.of(live.next(), live.next(), live.next());
      deleted.forEach(m -> {
        assertThat(m.getString("type")).isEqualTo("pin_deleted");
        assertThat(m.getString("pin_id")).isEqualTo(id);
      });

      live.send(new JsonObject().put("type", "unsubscribe").put("topic", "trending"));
      assertThat(live.next()).isEqualTo(new JsonObject().put("type", "unsubscribed").put("topic", "trending"));
      live.send(new JsonObject().put("type", "unsubscribe").put("topic", "user:sub_author"));
      live.next();
      String second = pin(author, board, "second");
      assertThat(live.pins("board:" + board, 1)).containsExactly(second);
      live.assertQuiet(300);
    }
  }

  @Test
  @DisplayName("home needs a signed-in connection and carries exactly what the viewer's home feed would, also after a new follow")
  void homeRouting() throws Exception {
    String viewer = api().signUpAndLogIn("home_viewer");
    String friend = api().signUpAndLogIn("home_friend");
    String curator = api().signUpAndLogIn("home_curator");
    String stranger = api().signUpAndLogIn("home_stranger");
    String friendBoard = api().createBoard(friend, "Any");
    String followedBoard = api().createBoard(curator, "Followed");
    String otherBoard = api().createBoard(curator, "Not followed");
    String strangerBoard = api().createBoard(stranger, "Stranger");
    String ownBoard = api().createBoard(viewer, "Mine");
    api().put("/api/v1/users/home_friend/follow", viewer);
    api().put("/api/v1/boards/" + followedBoard + "/follow", viewer);

    try (LiveClient anonymous = connect(null)) {
      anonymous.send(new JsonObject().put("type", "subscribe").put("topic", "home"));
      JsonObject error = anonymous.next();
      assertThat(error.getString("type")).isEqualTo("error");
      assertThat(error.getString("code")).isEqualTo("unauthorized");
    }
    assertThat(rejection(new WebSocketConnectOptions().setURI("/api/v1/live?access_token=wrong"))).isEqualTo(401);

    try (LiveClient live = connect(viewer)) {
      live.subscribe("home");
      List<String> expected = new ArrayList<>();
      expected.add(pin(friend, friendBoard, "friend's"));
      expected.add(pin(curator, followedBoard, "followed board"));
      pin(curator, otherBoard, "other board");
      pin(stranger, strangerBoard, "stranger");
      expected.add(pin(viewer, ownBoard, "own"));
      assertThat(live.pins("home", 3)).containsExactlyElementsOf(expected);
      live.assertQuiet(300);

      List<String> feed = new ArrayList<>();
      api().get("/api/v1/feeds/home?page_size=10", viewer).items()
          .forEach(p -> feed.add(((JsonObject) p).getString("id")));
      assertThat(feed).containsExactlyInAnyOrderElementsOf(expected);

      assertThat(api().put("/api/v1/users/home_stranger/follow", viewer).status()).isEqualTo(204);
      String afterFollow = awaitHomeRoutes(live, stranger, strangerBoard);
      assertThat(afterFollow).isNotNull();
    }
  }

  /** Follows reach live routing through Redis: pin until one arrives (each attempt is a new pin). */
  private static String awaitHomeRoutes(LiveClient live, String token, String board) {
    for (int i = 0; i < 20; i++) {
      String id = pin(token, board, "after follow " + i);
      try {
        return live.pins("home", 1).get(0).equals(id) ? id : null;
      } catch (AssertionError notYet) {
        // the follow had not reached this node yet; the next pin will tell
      }
    }
    return null;
  }

  @Test
  @DisplayName("since replays what was missed, oldest first, then goes live: no gap, no duplicate, with pins arriving during the replay")
  void replay() throws Exception {
    String author = api().signUpAndLogIn("replay_author");
    String board = api().createBoard(author, "History");
    String since = pin(author, board, "seen");
    List<String> missed = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      missed.add(pin(author, board, "missed " + i));
    }
    List<String> during = new ArrayList<>();
    try (LiveClient live = connect(null)) {
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < 10; i++) {
          during.add(pin(author, board, "during " + i));
        }
      });
      live.send(new JsonObject().put("type", "subscribe").put("topic", "board:" + board).put("since", since));
      assertThat(live.next().getString("type")).isEqualTo("subscribed");
      writer.get(30, TimeUnit.SECONDS);
      List<String> received = live.pins("board:" + board, missed.size() + during.size());
      live.assertQuiet(300);
      assertThat(new HashSet<>(received)).hasSameSizeAs(received);
      assertThat(received).containsExactlyInAnyOrderElementsOf(Stream.concat(missed.stream(), during.stream()).toList());
      // The replayed part is oldest first and precedes everything live.
      assertThat(received.subList(0, missed.size())).isSortedAccordingTo((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
      assertThat(received.indexOf(missed.get(0))).isZero();
    }
  }

  @Test
  @DisplayName("since on home replays from the viewer's own home feed; past the replay cap the client is told to resync")
  void replayHomeAndResync() throws Exception {
    String viewer = api().signUpAndLogIn("rh_viewer");
    String author = api().signUpAndLogIn("rh_author");
    String board = api().createBoard(author, "Lots");
    api().put("/api/v1/users/rh_author/follow", viewer);
    String since = pin(author, board, "seen");
    List<String> missed = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      missed.add(pin(author, board, "missed " + i));
    }
    try (LiveClient live = connect(viewer)) {
      live.send(new JsonObject().put("type", "subscribe").put("topic", "home").put("since", since));
      assertThat(live.next().getString("type")).isEqualTo("subscribed");
      assertThat(live.pins("home", 3)).containsExactlyElementsOf(missed);
    }
    for (int i = 0; i < REPLAY_MAX; i++) {
      pin(author, board, "more " + i);
    }
    try (LiveClient live = connect(viewer)) {
      live.send(new JsonObject().put("type", "subscribe").put("topic", "board:" + board).put("since", since));
      assertThat(live.next().getString("type")).isEqualTo("subscribed");
      JsonObject resync = live.next();
      assertThat(resync.getString("type")).isEqualTo("resync");
      assertThat(resync.getString("topic")).isEqualTo("board:" + board);
      String next = pin(author, board, "live again");
      // After a resync the topic is live; a "more" pin still on its way may come first.
      List<String> after = new ArrayList<>();
      while (!after.contains(next)) {
        after.addAll(live.pins("board:" + board, 1));
      }
      assertThat(new HashSet<>(after)).hasSameSizeAs(after);
    }
  }

  @Test
  @DisplayName("two nodes sharing Redis act as one: a pin created on node A reaches a subscriber on node B, once")
  void twoNodes() throws Exception {
    PrometheusMeterRegistry registry = PinstreamApp.newRegistry();
    Vertx vertxB = PinstreamApp.createVertx(registry);
    PinstreamApp nodeB = PinstreamApp.start(vertxB, app.config(), registry).await(60, TimeUnit.SECONDS);
    try {
      String author = api().signUpAndLogIn("nodes_author");
      String board = api().createBoard(author, "Everywhere");
      try (LiveClient onB = LiveClient.connect(client, nodeB.port(), null);
           LiveClient onA = connect(null)) {
        onB.subscribe("board:" + board);
        onA.subscribe("board:" + board);
        String viaA = pin(author, board, "made on A");
        assertThat(onB.pins("board:" + board, 1)).containsExactly(viaA);
        assertThat(onA.pins("board:" + board, 1)).containsExactly(viaA);
        ApiClient apiB = new ApiClient("http://127.0.0.1:" + nodeB.port());
        String viaB = apiB.createPin(author, board, media, "made on B").getString("id");
        assertThat(onA.pins("board:" + board, 1)).containsExactly(viaB);
        assertThat(onB.pins("board:" + board, 1)).containsExactly(viaB);
        onA.assertQuiet(300);
        onB.assertQuiet(0);
      }
    } finally {
      nodeB.stop().await(30, TimeUnit.SECONDS);
      vertxB.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("a reader that stops reading is cut off with 4008 after a bounded queue; fast readers get everything")
  void slowReader() throws Exception {
    try (RawWebSocket slow = RawWebSocket.open(app.port(), null);
         LiveClient fast = connect(null)) {
      slow.sendText(new JsonObject().put("type", "subscribe").put("topic", "trending").encode());
      fast.subscribe("trending");
      Thread.sleep(200);
      double before = app.metric("pinstream_live_slow_consumers_total");
      // 3,000 fat events straight onto the relay channel: 9 MB, more than the socket buffers and the queue
      // hold. They go in slices of 30 (under the queue's MAX_QUEUED) that the fast reader takes in before
      // the next: a reader that keeps up, not one racing a 9 MB burst on a cold JVM and two busy cores.
      String padding = "x".repeat(3000);
      int slice = 30;
      for (int first = 0; first < 3000; first += slice) {
        List<Request> publishes = new ArrayList<>();
        for (int i = first; i < first + slice; i++) {
          LiveEvent event = new LiveEvent(1_000_000 + i, 1, "nobody", 1,
              new JsonObject().put("id", Long.toString(1_000_000 + i)).put("title", padding).encode());
          publishes.add(Request.cmd(Command.PUBLISH).arg(app.config().redis().keyPrefix() + "cluster")
              .arg("pin " + event.encode()));
        }
        app.app().components().redis().batch(publishes).await(30, TimeUnit.SECONDS);
        for (int i = first; i < first + slice; ) {
          JsonObject pin = fast.next().getJsonObject("pin");
          long id = pin == null ? 0 : Long.parseLong(pin.getString("id"));
          if (id < 1_000_000 || id >= 1_003_000) {
            continue; // an earlier test's late event on trending (a deletion, say) is not this test's business
          }
          assertThat(pin.getString("id")).isEqualTo(Long.toString(1_000_000 + i++));
        }
      }
      assertThat(app.metric("pinstream_live_slow_consumers_total")).isEqualTo(before + 1);
      assertThat(slow.readUntilClose()).isEqualTo(4008);
    }
  }

  @Test
  @DisplayName("a subscribe flood is refused past the pace limit and closed (1008); so is a stream of unknown topics")
  void subscribeFlood() throws Exception {
    try (LiveClient flood = connect(null)) {
      for (int i = 0; i < 60; i++) { // sent at once: past 20 a second
        flood.ws().writeTextMessage(new JsonObject().put("type", "subscribe").put("topic", "trending").encode());
      }
      List<String> codes = new ArrayList<>();
      for (int i = 0; i < 200; i++) { // what came before the close is read too: both may be in already
        JsonObject m = flood.nextOrNull(50);
        if (m == null && flood.closeCode != null) {
          break;
        }
        if (m != null && "error".equals(m.getString("type"))) {
          codes.add(m.getString("code"));
        }
      }
      assertThat(codes).contains("rate_limited");
      assertThat(flood.closeCode).isEqualTo((short) 1008);
    }
    try (LiveClient probing = connect(null)) {
      for (int i = 0; i < 21; i++) { // the 21st bad frame closes
        probing.send(new JsonObject().put("type", "subscribe").put("topic", "board:" + (900_000_000 + i)));
        assertThat(probing.next().getString("code")).isEqualTo("unknown_topic");
        Thread.sleep(60); // under the pace limit: only the unknown topics count
      }
      for (int i = 0; i < 100 && probing.closeCode == null; i++) {
        Thread.sleep(20);
      }
      assertThat(probing.closeCode).isEqualTo((short) 1008);
    }
  }

  @Test
  @DisplayName("garbage, binary, unknown and oversized frames get errors or a clear close, never a crash; limits and Origin hold")
  void badFrames() throws Exception {
    try (LiveClient live = connect(null)) {
      live.ws().writeTextMessage("not json {").await();
      assertThat(live.next().getString("code")).isEqualTo("bad_frame");
      live.ws().writeTextMessage("[1,2]").await();
      assertThat(live.next().getString("code")).isEqualTo("bad_frame");
      live.ws().writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3})).await();
      assertThat(live.next().getString("code")).isEqualTo("bad_frame");
      live.send(new JsonObject().put("type", "dance").put("topic", "trending"));
      assertThat(live.next().getString("code")).isEqualTo("bad_frame");
      live.send(new JsonObject().put("type", "subscribe").put("topic", "board:abc"));
      assertThat(live.next().getString("code")).isEqualTo("bad_topic");
      live.send(new JsonObject().put("type", "subscribe").put("topic", "board:999999"));
      assertThat(live.next().getString("code")).isEqualTo("unknown_topic");
      live.send(new JsonObject().put("type", "subscribe").put("topic", "trending").put("since", "drop table"));
      assertThat(live.next().getString("code")).isEqualTo("invalid_since");
      // Still alive and well after all that:
      live.subscribe("trending");
    }
    try (LiveClient live = connect(null)) {
      live.send(new JsonObject().put("type", "subscribe").put("topic", "user:no_such_user"));
      assertThat(live.next().getString("code")).isEqualTo("unknown_topic");
      for (String t : List.of("trending", "user:live_photographer", "board:" + api().createBoard(
          api().logIn("live_photographer", "correct horse"), "b"))) {
        live.subscribe(t);
      }
      String token = api().logIn("live_photographer", "correct horse");
      for (int i = 0; i < 2; i++) {
        live.subscribe("board:" + api().createBoard(token, "more " + i));
      }
      live.send(new JsonObject().put("type", "subscribe").put("topic", "board:" + api().createBoard(token, "sixth")));
      assertThat(live.next().getString("code")).isEqualTo("too_many_subscriptions");

    }
    try (RawWebSocket raw = RawWebSocket.open(app.port(), null)) {
      raw.sendText("{\"type\":\"subscribe\",\"topic\":\"" + "x".repeat(2000) + "\"}");
      assertThat(raw.readUntilClose()).isEqualTo(1009);
    }

    assertThat(rejection(new WebSocketConnectOptions().setURI("/api/v1/live").addHeader("Origin", "https://evil.example")))
        .isEqualTo(403);
    assertThat(rejection(new WebSocketConnectOptions().setURI("/api/v1/live")
        .addHeader("Origin", "http://127.0.0.1:" + app.port()))).isEqualTo(101);
    assertThat(api().get("/api/v1/live").status()).isEqualTo(426);
    assertThat(rejection(new WebSocketConnectOptions().setURI("/api/v1/pins"))).isEqualTo(404);
  }

  @Test
  @DisplayName("logging out closes the live connections opened with that session (4003), not the others")
  void logoutClosesConnections() throws Exception {
    String first = app.api().signUpAndLogIn("live_logout");
    String second = app.api().logIn("live_logout", "correct horse");
    LiveClient revoked = LiveClient.connect(app.vertx(), app.port(), first);
    LiveClient other = LiveClient.connect(app.vertx(), app.port(), second);
    try {
      assertThat(app.api().delete("/api/v1/sessions/current", first).status()).isEqualTo(204);
      for (int i = 0; i < 100 && revoked.closeCode == null; i++) {
        Thread.sleep(20);
      }
      assertThat(revoked.closeCode).isEqualTo((short) 4003);
      assertThat(other.closeCode).isNull();
    } finally {
      revoked.close();
      other.close();
    }
  }

  @Test
  @DisplayName("logging out everywhere revokes every session of the user and closes all their live connections")
  void logoutEverywhere() throws Exception {
    String first = app.api().signUpAndLogIn("live_everywhere");
    String second = app.api().logIn("live_everywhere", "correct horse");
    String bystander = app.api().signUpAndLogIn("live_bystander");
    LiveClient a = LiveClient.connect(app.vertx(), app.port(), first);
    LiveClient b = LiveClient.connect(app.vertx(), app.port(), second);
    LiveClient c = LiveClient.connect(app.vertx(), app.port(), bystander);
    try {
      assertThat(app.api().delete("/api/v1/sessions", second).status()).isEqualTo(204);
      for (int i = 0; i < 100 && (a.closeCode == null || b.closeCode == null); i++) {
        Thread.sleep(20);
      }
      assertThat(a.closeCode).isEqualTo((short) 4003);
      assertThat(b.closeCode).isEqualTo((short) 4003);
      assertThat(c.closeCode).isNull();
      assertThat(app.api().get("/api/v1/feeds/home", first).status()).isEqualTo(401);
      assertThat(app.api().get("/api/v1/feeds/home", second).status()).isEqualTo(401);
      assertThat(app.api().get("/api/v1/feeds/home", bystander).status()).isEqualTo(200);
    } finally {
      a.close();
      b.close();
      c.close();
    }
  }

  @Test
  @DisplayName("no token in a URL: ?access_token= is refused; a one-time ticket signs a connection in, once")
  void tickets() throws Exception {
    String token = app.api().signUpAndLogIn("live_ticket");
    assertThat(rejection(new WebSocketConnectOptions().setURI("/api/v1/live?access_token=" + token))).isEqualTo(401);
    var issued = app.api().post("/api/v1/live/tickets", new JsonObject(), token);
    assertThat(issued.status()).isEqualTo(201);
    String ticket = issued.json().getString("ticket");
    assertThat(issued.json().getInteger("expires_in")).isEqualTo(30);
    assertThat(app.api().post("/api/v1/live/tickets", new JsonObject(), null).status()).isEqualTo(401);

    WebSocketClient wsClient = client.createWebSocketClient();
    var ws = LiveClient.await(wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(app.port())
        .setURI("/api/v1/live?ticket=" + ticket)));
    List<JsonObject> got = java.util.Collections.synchronizedList(new ArrayList<>());
    ws.textMessageHandler(text -> got.add(new JsonObject(text)));
    ws.writeTextMessage(new JsonObject().put("type", "subscribe").put("topic", "home").encode()).await();
    for (int i = 0; i < 100 && got.isEmpty(); i++) {
      Thread.sleep(20);
    }
    assertThat(got).hasSize(1);
    assertThat(got.get(0).getString("type")).isEqualTo("subscribed");
    assertThat(got.get(0).getString("topic")).isEqualTo("home");
    ws.close();
    assertThat(rejection(new WebSocketConnectOptions().setURI("/api/v1/live?ticket=" + ticket)))
        .as("a ticket works once").isEqualTo(401);
    // SSE takes a ticket too.
    String sseTicket = app.api().post("/api/v1/live/tickets", new JsonObject(), token).json().getString("ticket");
    HttpRequest sse = HttpRequest.newBuilder(java.net.URI.create(api().base() + "/api/v1/live/sse?topics=home&ticket="
        + sseTicket)).build();
    var stream = HttpClient.newHttpClient().send(sse, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    stream.body().close();
    assertThat(api().get("/api/v1/live/sse?topics=home&access_token=" + token).status()).isEqualTo(401);
  }

  @Test
  @DisplayName("open live connections per address are capped (429 at the handshake), and a closed one frees its place")
  void perAddressCap() throws Exception {
    List<LiveClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_PER_ADDRESS; i++) {
        open.add(connect(null));
      }
      assertThat(rejection(new WebSocketConnectOptions().setURI("/api/v1/live"))).isEqualTo(429);
      open.remove(0).close();
      for (int i = 0; i < 100; i++) {
        try (LiveClient again = connect(null)) {
          again.subscribe("trending");
          return;
        } catch (AssertionError | RuntimeException stillFull) {
          Thread.sleep(20); // the close is still on its way
        }
      }
      throw new AssertionError("a closed connection's place was never freed");
    } finally {
      open.forEach(LiveClient::close);
    }
  }

  @Test
  @DisplayName("a connection that answers no ping is closed after the idle timeout (4001)")
  void idle() throws Exception {
    try (RawWebSocket silent = RawWebSocket.open(app.port(), null)) {
      long start = System.currentTimeMillis();
      assertThat(silent.readUntilClose()).isEqualTo(4001);
      assertThat(System.currentTimeMillis() - start).isBetween(2000L, 8000L);
    }
  }

  @Test
  @DisplayName("connections opened together are pinged at different moments of the interval, not all at once")
  void heartbeatsSpread() throws Exception {
    int n = 30;
    ExecutorService threads = Executors.newFixedThreadPool(n);
    List<RawWebSocket> sockets = Collections.synchronizedList(new ArrayList<>());
    try {
      List<Future<Long>> pinged = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        pinged.add(threads.submit(() -> {
          RawWebSocket ws = RawWebSocket.open(app.port(), null);
          sockets.add(ws);
          ws.readUntilPing();
          return System.currentTimeMillis();
        }));
      }
      List<Long> at = new ArrayList<>();
      for (Future<Long> ping : pinged) {
        at.add(ping.get(10, TimeUnit.SECONDS));
      }
      Collections.sort(at);
      int moments = 1;
      for (int i = 1; i < n; i++) {
        moments += at.get(i) - at.get(i - 1) > 40 ? 1 : 0;
      }
      // ping_seconds is 1. Pinged in one sweep, the connections would meet one or two moments (one
      // per event loop); with a phase each, they meet most of a second's ten sweeps.
      assertThat(moments).as("distinct moments of the first pings %s", at).isGreaterThanOrEqualTo(5);
    } finally {
      threads.shutdownNow();
      for (RawWebSocket ws : List.copyOf(sockets)) {
        ws.close();
      }
    }
  }

  @Test
  @DisplayName("SSE: event: pin with id: <pin id>, Last-Event-ID replays what was missed, deletions arrive as pin_deleted")
  void sse() throws Exception {
    String author = api().signUpAndLogIn("sse_author");
    String board = api().createBoard(author, "Streams");
    String seen = pin(author, board, "seen");
    String missed = pin(author, board, "missed");
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request = HttpRequest.newBuilder(java.net.URI.create(api().base() + "/api/v1/live/sse?topics=board:" + board
            + ",user:sse_author"))
        .header("Last-Event-ID", seen).header("Authorization", "Bearer " + author).build();
    HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      List<Sse> events = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        events.add(Sse.read(lines));
      }
      assertThat(events).filteredOn(e -> e.event.equals("subscribed")).hasSize(2);
      List<Sse> pins = events.stream().filter(e -> e.event.equals("pin")).toList();
      assertThat(pins).hasSize(2).allSatisfy(e -> {
        assertThat(e.id).isEqualTo(missed);
        assertThat(new JsonObject(e.data).getJsonObject("pin").getString("id")).isEqualTo(missed);
      });
      String live = pin(author, board, "live");
      Sse first = Sse.read(lines);
      assertThat(first.event).isEqualTo("pin");
      assertThat(first.id).isEqualTo(live);
      Sse.read(lines);
      assertThat(api().delete("/api/v1/pins/" + live, author).status()).isEqualTo(204);
      Sse deleted = Sse.read(lines);
      assertThat(deleted.event).isEqualTo("pin_deleted");
      assertThat(deleted.id).isNull();
      assertThat(new JsonObject(deleted.data).getString("pin_id")).isEqualTo(live);
    }
    assertThat(api().get("/api/v1/live/sse?topics=home").status()).isEqualTo(401);
    assertThat(api().get("/api/v1/live/sse?topics=nonsense").status()).isEqualTo(400);
  }

  /** One Server-Sent Event (heartbeat comments and the retry line skipped). */
  private record Sse(String event, String id, String data) {
    static Sse read(BufferedReader lines) throws Exception {
      String event = null;
      String id = null;
      String data = null;
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isEmpty()) {
          if (event != null) {
            return new Sse(event, id, data);
          }
          continue;
        }
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        }
      }
      throw new IllegalStateException("stream ended");
    }
  }

  /** The handshake's status: 101 when upgraded, else what the server refused with. */
  private static int rejection(WebSocketConnectOptions options) throws Exception {
    WebSocketClient ws = client.createWebSocketClient();
    try {
      return ws.connect(options.setHost("127.0.0.1").setPort(app.port()))
          .compose(socket -> socket.close().map(101))
          .recover(e -> io.vertx.core.Future.succeededFuture(
              e instanceof io.vertx.core.http.UpgradeRejectedException r ? r.getStatus() : -1))
          .await(10, TimeUnit.SECONDS);
    } finally {
      ws.close();
    }
  }

  /** A WebSocket by hand over a plain socket: it reads only when told to, and never answers pings. */
  static final class RawWebSocket implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawWebSocket(Socket socket) throws Exception {
      this.socket = socket;
      this.in = new DataInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
    }

    static RawWebSocket open(int port, String token) throws Exception {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(4096);
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
      RawWebSocket ws = new RawWebSocket(socket);
      ws.out.write(("GET /api/v1/live HTTP/1.1\r\n" + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
          + "Host: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      ws.out.flush();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        head.append((char) ws.in.read());
      }
      assertThat(head.toString()).startsWith("HTTP/1.1 101");
      return ws;
    }

    void sendText(String text) throws Exception {
      byte[] payload = text.getBytes(StandardCharsets.UTF_8);
      byte[] mask = {1, 2, 3, 4};
      out.write(0x81);
      if (payload.length < 126) {
        out.write(0x80 | payload.length);
      } else {
        out.write(0x80 | 126);
        out.write(payload.length >> 8);
        out.write(payload.length & 0xff);
      }
      out.write(mask);
      for (int i = 0; i < payload.length; i++) {
        out.write(payload[i] ^ mask[i % 4]);
      }
      out.flush();
    }

    /** Reads frames until the server's close frame; returns its status code. */
    int readUntilClose() throws Exception {
      return readUntil(0x8);
    }

    /** Reads frames until the server's first ping. */
    void readUntilPing() throws Exception {
      readUntil(0x9);
    }

    /** Reads frames until one with this opcode; returns a close frame's status code, else 0. */
    private int readUntil(int opcode) throws Exception {
      socket.setSoTimeout(15_000);
      while (true) {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long length = b1 & 0x7f;
        if (length == 126) {
          length = in.readUnsignedShort();
        } else if (length == 127) {
          length = in.readLong();
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        if ((b0 & 0x0f) == opcode) {
          return opcode == 0x8 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 0;
        }
      }
    }

    @Override
    public void close() throws Exception {
      socket.close();
    }
  }
}
