package io.pinstream.feed;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Feeds: fan-out, cap, celebrities, follows, deletes, paging, Redis loss, trending")
class FeedsTest {
  private static final int CAP = 10;

  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("feed")
      .put("home_cap", CAP).put("celebrity_threshold", 3).put("outbox_lease_seconds", 1)
      .put("trending_snapshot_seconds", 1));

  private static String media;
  private static String mediaOwner;

  @BeforeAll
  static void photo() {
    mediaOwner = app.api().signUpAndLogIn("photographer");
    media = app.api().uploadPhoto(mediaOwner);
  }

  private static ApiClient api() {
    return app.api();
  }

  /** An author with one board, and a reader who follows the author: {prefix}_author, {prefix}_reader. */
  private record Followed(String author, String reader, String board) {
  }

  private static Followed followedAuthor(String prefix, String boardName) {
    String author = api().signUpAndLogIn(prefix + "_author");
    String reader = api().signUpAndLogIn(prefix + "_reader");
    String board = api().createBoard(author, boardName);
    api().put("/api/v1/users/" + prefix + "_author/follow", reader);
    return new Followed(author, reader, board);
  }

  private static String pin(String token, String board, String title) {
    return api().createPin(token, board, media, title).getString("id");
  }

  /** Every pin id of a feed, page by page, asserting no id comes twice. */
  private static List<String> readAll(String path, String token, int pageSize) {
    List<String> ids = api().pages(path, token, pageSize).stream().flatMap(List::stream).toList();
    assertThat(new HashSet<>(ids)).hasSameSizeAs(ids);
    return ids;
  }

  private static List<String> home(String token) {
    return readAll("/api/v1/feeds/home", token, 4);
  }

  private static boolean inRedis(String feedKey, String pinId) {
    Response score = app.redis().zscore(app.config().redis().keyPrefix() + feedKey, pinId).await();
    return score != null;
  }

  private static String userId(String username) {
    return api().get("/api/v1/users/" + username).json().getString("id");
  }

  @Test
  @DisplayName("a pin reaches the author, the author's followers and the board's followers, newest first")
  void fanOut() {
    String author = api().signUpAndLogIn("fan_author");
    String follower = api().signUpAndLogIn("fan_follower");
    String boardFan = api().signUpAndLogIn("fan_boardfan");
    String bystander = api().signUpAndLogIn("fan_bystander");
    String board = api().createBoard(author, "Hats");
    String other = api().createBoard(author, "Gloves");
    api().put("/api/v1/users/fan_author/follow", follower);
    api().put("/api/v1/boards/" + board + "/follow", boardFan);
    // Build every home feed first, so delivery goes through the hot path.
    List.of(author, follower, boardFan, bystander).forEach(FeedsTest::home);

    String first = pin(author, board, "hat");
    String second = pin(author, other, "glove");
    assertThat(home(author)).containsExactly(second, first);
    assertThat(home(follower)).containsExactly(second, first);
    assertThat(home(boardFan)).containsExactly(first);
    assertThat(home(bystander)).isEmpty();
    assertThat(inRedis("feed:home:" + userId("fan_follower"), second)).isTrue();
    assertThat(readAll("/api/v1/boards/" + board + "/pins", null, 5)).containsExactly(first);
    assertThat(readAll("/api/v1/users/fan_author/pins", null, 5)).containsExactly(second, first);
    assertThat(api().get("/api/v1/feeds/home").status()).isEqualTo(401);
  }

  @Test
  @DisplayName("the audience is the same whether it is read in one query (few followers) or through a cursor (many)")
  void audienceStrategies() {
    String follower = api().signUpAndLogIn("aud_follower");
    String boardFan = api().signUpAndLogIn("aud_boardfan");
    String author = api().signUpAndLogIn("aud_author2");
    String board = api().createBoard(author, "Audience");
    api().put("/api/v1/users/aud_author2/follow", follower);
    api().put("/api/v1/boards/" + board + "/follow", boardFan);
    long authorId = Long.parseLong(userId("aud_author2"));
    FeedQueries queries = new FeedQueries(app.app().components().pg());
    Set<Long> expected = Set.of(authorId, Long.parseLong(userId("aud_follower")), Long.parseLong(userId("aud_boardfan")));
    // The counters only choose the strategy: 1 and 1 say "one query", 5,000 says "cursor".
    for (int followers : List.of(1, 5_000)) {
      var pin = new FeedQueries.PinTarget(1, authorId, "aud_author2", Long.parseLong(board), false, false, false, followers, 1);
      List<Long> audience = java.util.Collections.synchronizedList(new ArrayList<>());
      queries.audience(pin, false, 1000, ids -> {
        audience.addAll(ids);
        return io.vertx.core.Future.succeededFuture();
      }).await();
      assertThat(audience).containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  @Test
  @DisplayName("home feeds are capped in Redis, and paging carries on from PostgreSQL past the cap")
  void capAndTrim() {
    Followed f = followedAuthor("cap", "Many");
    String author = f.author();
    String reader = f.reader();
    String board = f.board();
    home(reader);
    List<String> made = new ArrayList<>();
    for (int i = 0; i < CAP + 7; i++) {
      made.add(0, pin(author, board, "p" + i));
    }
    long members = app.redis()
        .zcard(app.config().redis().keyPrefix() + "feed:home:" + userId("cap_reader")).await().toLong();
    assertThat(members).isEqualTo(CAP + 1); // CAP pins + the floor sentinel
    assertThat(inRedis("feed:home:" + userId("cap_reader"), made.get(made.size() - 1))).isFalse();
    assertThat(home(reader)).containsExactlyElementsOf(made);
  }

  @Test
  @DisplayName("accounts over the follower threshold are not fanned out but merged into home feeds at read time")
  void celebrityMerge() {
    String celeb = api().signUpAndLogIn("celeb_star");
    String board = api().createBoard(celeb, "Looks");
    List<String> fans = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String fan = api().signUpAndLogIn("celeb_fan_" + i);
      api().put("/api/v1/users/celeb_star/follow", fan);
      home(fan);
      fans.add(fan);
    }
    String friend = api().signUpAndLogIn("celeb_friend");
    api().put("/api/v1/users/celeb_friend/follow", fans.get(0));
    String older = pin(friend, api().createBoard(friend, "Mine"), "friend's");
    String starPin = pin(celeb, board, "star's");
    String newest = pin(friend, api().createBoard(friend, "Also mine"), "friend's again");

    assertThat(inRedis("feed:home:" + userId("celeb_fan_0"), starPin)).isFalse();
    assertThat(inRedis("feed:home:" + userId("celeb_fan_0"), newest)).isTrue();
    assertThat(home(fans.get(0))).containsExactly(newest, starPin, older);
    assertThat(home(fans.get(1))).containsExactly(starPin);
  }

  @Test
  @DisplayName("follow merges the followee's pins into home; unfollow removes them, except those of followed boards")
  void followUnfollow() {
    String author = api().signUpAndLogIn("fu_author");
    String reader = api().signUpAndLogIn("fu_reader");
    String kept = api().createBoard(author, "Kept");
    String dropped = api().createBoard(author, "Dropped");
    String a = pin(author, kept, "a");
    String b = pin(author, dropped, "b");
    assertThat(home(reader)).isEmpty();

    api().put("/api/v1/users/fu_author/follow", reader);
    assertThat(home(reader)).containsExactly(b, a);
    api().put("/api/v1/boards/" + kept + "/follow", reader);
    api().delete("/api/v1/users/fu_author/follow", reader);
    assertThat(home(reader)).containsExactly(a);
    api().delete("/api/v1/boards/" + kept + "/follow", reader);
    assertThat(home(reader)).isEmpty();
  }

  @Test
  @DisplayName("a deleted pin leaves every feed")
  void deleteLeavesFeeds() {
    Followed f = followedAuthor("del", "Gone");
    String author = f.author();
    String reader = f.reader();
    String board = f.board();
    home(reader);
    String keep = pin(author, board, "keep");
    String gone = pin(author, board, "gone");
    assertThat(readAll("/api/v1/feeds/trending", null, 50)).contains(gone);
    assertThat(api().delete("/api/v1/pins/" + gone, author).status()).isEqualTo(204);
    assertThat(home(reader)).containsExactly(keep);
    assertThat(home(author)).containsExactly(keep);
    assertThat(readAll("/api/v1/boards/" + board + "/pins", null, 5)).containsExactly(keep);
    assertThat(readAll("/api/v1/feeds/trending", null, 50)).doesNotContain(gone);
    assertThat(inRedis("feed:home:" + userId("del_reader"), gone)).isFalse();
  }

  @Test
  @DisplayName("paging never repeats or skips while new pins arrive")
  void pagingWhilePinsArrive() {
    Followed f = followedAuthor("pg", "Stream");
    String author = f.author();
    String reader = f.reader();
    String board = f.board();
    List<String> before = new ArrayList<>();
    for (int i = 0; i < 14; i++) {
      before.add(0, pin(author, board, "old" + i));
    }
    List<String> seen = new ArrayList<>();
    String bookmark = null;
    do {
      var page = api().get("/api/v1/feeds/home?page_size=3" + (bookmark == null ? "" : "&bookmark=" + bookmark), reader);
      page.items().forEach(p -> seen.add(((JsonObject) p).getString("id")));
      bookmark = page.json().getString("bookmark");
      pin(author, board, "new while paging");
    } while (bookmark != null);
    assertThat(seen).containsExactlyElementsOf(before);
  }

  @Test
  @DisplayName("after Redis loses everything, every page equals the page before, and the hot feed is rebuilt")
  void survivesRedisLoss() throws Exception {
    Followed f = followedAuthor("loss", "Durable");
    String author = f.author();
    String reader = f.reader();
    String board = f.board();
    for (int i = 0; i < CAP + 5; i++) {
      pin(author, board, "d" + i);
    }
    List<List<String>> pagesBefore = api().pages("/api/v1/feeds/home", reader, 4);
    nextTrendingSnapshot();
    List<String> trendingBefore = readAll("/api/v1/feeds/trending", null, 7);

    app.flushRedis();
    app.redis().script(List.of("FLUSH")).await();

    assertThat(api().pages("/api/v1/feeds/home", reader, 4)).isEqualTo(pagesBefore);
    assertThat(readAll("/api/v1/feeds/trending", null, 7)).isEqualTo(trendingBefore);
    String key = app.config().redis().keyPrefix() + "feed:home:" + userId("loss_reader");
    // The reader's next reads rebuild the hot copy (while fan-outs are overdue, reads go to PostgreSQL
    // and rebuild nothing; on a busy machine the pins just made can still be overdue).
    // (A rebuild writes its markers first: wait for the whole copy, not for the key.)
    for (int i = 0; i < 200 && app.redis().zcard(key).await().toLong() != CAP + 1; i++) {
      Thread.sleep(50);
      api().get("/api/v1/feeds/home?page_size=4", reader);
    }
    assertThat(app.redis().zcard(key).await().toLong()).isEqualTo(CAP + 1);
    assertThat(api().pages("/api/v1/feeds/home", reader, 4)).isEqualTo(pagesBefore);
    // Every Lua script comes back from the one registry, the rate limiter's too (sign-up and log-in).
    app.redis().script(List.of("FLUSH")).await();
    assertThat(api().signUpAndLogIn("loss_after_flush")).isNotBlank();
  }

  /** Trending pages come from one snapshot per second here (a minute by default): wait for the next one. */
  private static void nextTrendingSnapshot() {
    try {
      Thread.sleep(1000 - System.currentTimeMillis() % 1000 + 50);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("anonymous trending reads share snapshots: 200 first pages add no key per request")
  void trendingKeysBounded() throws Exception {
    String author = api().signUpAndLogIn("tr_keys");
    String board = api().createBoard(author, "Keys");
    for (int i = 0; i < 5; i++) {
      pin(author, board, "k" + i);
    }
    String pattern = app.config().redis().keyPrefix() + "trending:snapshot:*";
    long started = System.currentTimeMillis();
    for (int i = 0; i < 200; i++) {
      assertThat(api().get("/api/v1/feeds/trending?page_size=2").status()).isEqualTo(200);
    }
    long seconds = (System.currentTimeMillis() - started) / 1000 + 2;
    var keys = app.redis().keys(pattern).await();
    // One snapshot per second of reading (one a second in this test's configuration), whatever the readers.
    assertThat(keys.size()).isLessThanOrEqualTo((int) seconds);
  }

  @Test
  @DisplayName("trending ranks saved pins above unsaved ones and newer above older at equal engagement")
  void trendingOrder() {
    String author = api().signUpAndLogIn("tr_author");
    String saver = api().signUpAndLogIn("tr_saver");
    String board = api().createBoard(author, "Trendy");
    String saverBoard = api().createBoard(saver, "Saved");
    String popular = pin(author, board, "popular");
    String older = pin(author, board, "older");
    String newer = pin(author, board, "newer");
    for (int i = 0; i < 3; i++) { // one save per board: three boards
      String into = i == 0 ? saverBoard : api().createBoard(saver, "Saved " + i);
      api().post("/api/v1/pins/" + popular + "/save", new JsonObject().put("board_id", into), saver);
    }
    nextTrendingSnapshot();
    List<String> trending = readAll("/api/v1/feeds/trending", null, 100);
    assertThat(trending.indexOf(popular)).isLessThan(trending.indexOf(newer));
    assertThat(trending.indexOf(newer)).isLessThan(trending.indexOf(older));
    Set<String> unique = new HashSet<>(trending);
    assertThat(unique).hasSameSizeAs(trending);
  }

  @Test
  @DisplayName("a fan-out left unfinished by a stopped process completes after restart")
  void fanOutResumes() throws Exception {
    Followed f = followedAuthor("crash", "Interrupted");
    String author = f.author();
    String reader = f.reader();
    String board = f.board();
    assertThat(home(reader)).isEmpty();
    String authorId = userId("crash_author");
    app.stop();
    // What a crash right after the commit leaves: the pin and its fan-out job, delivered nowhere.
    long pinId;
    try (var c = app.jdbc(); var s = c.prepareStatement("""
             WITH p AS (INSERT INTO pins (board_id, owner_id, media_id, title) VALUES (?, ?, ?, 'orphan') RETURNING id),
             o AS (INSERT INTO feed_outbox (pin_id, action) SELECT id, 'add' FROM p)
             SELECT id FROM p""")) {
      s.setLong(1, Long.parseLong(board));
      s.setLong(2, Long.parseLong(authorId));
      s.setLong(3, Long.parseLong(media));
      var rs = s.executeQuery();
      rs.next();
      pinId = rs.getLong(1);
    }
    app.start();
    String key = "feed:home:" + userId("crash_reader");
    for (int i = 0; i < 100 && !inRedis(key, Long.toString(pinId)); i++) {
      Thread.sleep(50);
    }
    assertThat(inRedis(key, Long.toString(pinId))).isTrue();
    assertThat(home(reader)).containsExactly(Long.toString(pinId));
  }
}
