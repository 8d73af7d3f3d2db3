package io.pinstream.shop;

import io.pinstream.infra.RedisScripts;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Click-throughs")
class ClicksTest {
  @RegisterExtension
  static TestApp app = new TestApp();
  static Shop shop = new Shop(app);

  @Test
  @DisplayName("/go answers 302 to the link with a pclid, no-store, and records pin, merchant, pinner, viewer and referrer")
  void redirectAndRecord() {
    String owner = shop.api().signUpAndLogIn("lampshop");
    String pinner = shop.api().signUpAndLogIn("lampfan");
    String viewer = shop.api().signUpAndLogIn("browser1");
    JsonObject merchant = shop.merchant(owner, "lamps.example.com", 800);
    JsonObject pin = shop.productPin(pinner, merchant, "https://www.lamps.example.com/p/7?color=red#reviews", 4990);

    var reply = shop.api().send(shop.api().request("/go/" + pin.getString("id"), viewer).GET()
        .header("User-Agent", Shop.BROWSER).header("Referer", "https://pinstream.example/pin/1"));
    assertThat(reply.status()).isEqualTo(302);
    assertThat(reply.header("Cache-Control")).isEqualTo("no-store");
    String location = reply.header("Location");
    assertThat(location).matches("https://www\\.lamps\\.example\\.com/p/7\\?color=red&pclid=[A-Za-z0-9_-]{22}#reviews");
    String clickId = Shop.clickId(location);

    shop.clicksWritten();
    Row row = shop.sql("SELECT * FROM clicks WHERE id = $1", clickId).get(0);
    assertThat(row.getLong("pin_id")).isEqualTo(Long.parseLong(pin.getString("id")));
    assertThat(row.getLong("merchant_id")).isEqualTo(Long.parseLong(merchant.getString("id")));
    assertThat(row.getLong("pinner_id")).isEqualTo(Long.parseLong(pin.getJsonObject("owner").getString("id")));
    assertThat(row.getLong("viewer_id")).isEqualTo(Long.parseLong(shop.api().get("/api/v1/users/browser1").json().getString("id")));
    assertThat(row.getString("referrer")).isEqualTo("https://pinstream.example/pin/1");
    assertThat(row.getBoolean("counted")).isTrue();
    assertThat(row.getBuffer("ip_hash").length()).isEqualTo(32);
    assertThat(row.getBuffer("ip_hash").toString(StandardCharsets.ISO_8859_1)).doesNotContain("127.0.0.1");
    assertThat(row.getBuffer("ua_hash").length()).isEqualTo(32);
    assertThat(shop.api().get("/api/v1/pins/" + pin.getString("id")).json().getInteger("click_count")).isEqualTo(1);

    String second = shop.click(pin.getString("id"));
    assertThat(second).isNotEqualTo(clickId);
  }

  @Test
  @DisplayName("a plain pin's link is never a bare redirect: /go shows the destination on a page (no open redirect)")
  void plainPin() {
    String token = shop.api().signUpAndLogIn("plainpinner");
    var pin = shop.postPin(token, "https://evil.example/login?a=1&b='x'", null);
    assertThat(pin.status()).isEqualTo(201);
    var reply = shop.go(pin.json().getString("id"), Shop.BROWSER, null);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.header("Location")).isNull();
    assertThat(reply.header("Content-Type")).startsWith("text/html");
    assertThat(reply.header("Cache-Control")).isEqualTo("no-store");
    assertThat(reply.header("Content-Security-Policy")).contains("default-src 'none'");
    assertThat(reply.body()).contains("href=\"https://evil.example/login?a=1&amp;b=&#39;x&#39;\"")
        .doesNotContain("pclid");
    shop.clicksWritten();
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1 AND merchant_id IS NULL",
        Long.parseLong(pin.json().getString("id")))).isEqualTo(1);
  }

  @Test
  @DisplayName("repeats from one address within the hour and bots are recorded but not counted")
  void dedupeAndBots() {
    String owner = shop.api().signUpAndLogIn("chairshop");
    JsonObject merchant = shop.merchant(owner, "chairs.example.com", 1000);
    JsonObject pin = shop.productPin(owner, merchant, "https://chairs.example.com/oak", 19900);
    JsonObject other = shop.productPin(owner, merchant, "https://chairs.example.com/pine", 9900);
    String id = pin.getString("id");

    for (int i = 0; i < 3; i++) {
      assertThat(shop.go(id, Shop.BROWSER, null).status()).isEqualTo(302);
    }
    assertThat(shop.go(id, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", null).status()).isEqualTo(302);
    assertThat(shop.go(id, "facebookexternalhit/1.1", null).status()).isEqualTo(302);
    assertThat(shop.go(id, "Mozilla/5.0 HeadlessChrome/120.0", null).status()).isEqualTo(302);
    assertThat(shop.go(id, null, null).status()).isEqualTo(302); // Java's client sends its own agent: a bot
    assertThat(shop.go(id, " ", null).status()).isEqualTo(302);
    assertThat(shop.go(other.getString("id"), Shop.BROWSER, null).status()).isEqualTo(302);
    shop.clicksWritten();

    long pinId = Long.parseLong(id);
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1", pinId)).isEqualTo(8);
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1 AND counted", pinId)).isEqualTo(1);
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1 AND not_counted_reason = 'repeat'", pinId)).isEqualTo(2);
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1 AND not_counted_reason = 'bot'", pinId)).isEqualTo(5);
    assertThat(shop.api().get("/api/v1/pins/" + id).json().getInteger("click_count")).isEqualTo(1);
    assertThat(shop.api().get("/api/v1/pins/" + other.getString("id")).json().getInteger("click_count")).isEqualTo(1);
  }

  @Test
  @DisplayName("unknown pins, malformed ids, deleted pins and pins without a link are 404")
  void notFound() {
    String token = shop.api().signUpAndLogIn("linkless");
    var noLink = shop.postPin(token, null, null);
    assertThat(shop.go(noLink.json().getString("id"), Shop.BROWSER, null).status()).isEqualTo(404);
    assertThat(shop.go("999999999", Shop.BROWSER, null).status()).isEqualTo(404);
    assertThat(shop.go("abc", Shop.BROWSER, null).status()).isEqualTo(404);
    var reply = shop.go("12345678901234567890", Shop.BROWSER, null);
    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");

    var gone = shop.postPin(token, "https://example.net/x", null);
    assertThat(shop.api().delete("/api/v1/pins/" + gone.json().getString("id"), token).status()).isEqualTo(204);
    assertThat(shop.go(gone.json().getString("id"), Shop.BROWSER, null).status()).isEqualTo(404);
    shop.clicksWritten();
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1", Long.parseLong(noLink.json().getString("id")))).isZero();
  }

  @Test
  @DisplayName("/go reads the viewer like every route: a revoked token is 401 and records nothing")
  void viewerTokenLikeEverywhere() {
    String owner = shop.api().signUpAndLogIn("go_owner");
    String pinId = shop.postPin(owner, "https://example.org/seen", null).json().getString("id");
    String viewer = shop.api().signUpAndLogIn("go_viewer");
    assertThat(shop.go(pinId, Shop.BROWSER, viewer).status()).isEqualTo(200);
    assertThat(shop.api().delete("/api/v1/sessions/current", viewer).status()).isEqualTo(204);
    var refused = shop.go(pinId, Shop.BROWSER, viewer);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.header("Location")).isNull();
    shop.clicksWritten();
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1", Long.parseLong(pinId))).isEqualTo(1);
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1 AND viewer_id IS NOT NULL",
        Long.parseLong(pinId))).isEqualTo(1);
  }

  @Test
  @DisplayName("counted clicks are published on the local events for trending")
  void published() throws Exception {
    List<Long> clicked = new CopyOnWriteArrayList<>();
    app.app().components().events().consumer(PinsClicked.class, e -> clicked.addAll(e.pinIds()))
        .completion().await(5, TimeUnit.SECONDS);
    String token = shop.api().signUpAndLogIn("trendy");
    var pin = shop.postPin(token, "https://example.com/trend", null).json();
    assertThat(shop.go(pin.getString("id"), Shop.BROWSER, null).status()).isEqualTo(200); // the leaving page
    shop.go(pin.getString("id"), "Googlebot", null);
    shop.clicksWritten();
    long deadline = System.currentTimeMillis() + 5000;
    long pinId = Long.parseLong(pin.getString("id"));
    while (!clicked.contains(pinId) && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    // One counted click (the bot's is recorded, not counted): the pin is published once.
    assertThat(clicked).filteredOn(id -> id == pinId).containsExactly(pinId);
  }

  @Test
  @DisplayName("when Redis does not answer, PostgreSQL decides repeats and no click is lost")
  void redisDown() throws Exception {
    String token = shop.api().signUpAndLogIn("redisless");
    JsonObject pin = shop.postPin(token, "https://example.com/nored", null).json();
    long pinId = Long.parseLong(pin.getString("id"));
    long ownerId = Long.parseLong(pin.getJsonObject("owner").getString("id"));
    Redis dead = Redis.createClient(app.vertx(), "redis://127.0.0.1:1");
    ClickRecorder recorder = new ClickRecorder(app.vertx(), app.app().components().pg(),
        app.app().components().events(), new RedisScripts(dead), app.app().components().keys(), "secret", 500, 10);
    recorder.start().await(5, TimeUnit.SECONDS);
    try {
      byte[] ip = recorder.hash("203.0.113.7");
      byte[] agent = recorder.hash(Shop.BROWSER);
      recorder.record(new Click(ShopApi.newClickId(), pinId, null, ownerId, null, ip, agent, null, false,
          java.time.OffsetDateTime.now()));
      recorder.written(10_000).await(15, TimeUnit.SECONDS);
      recorder.record(new Click(ShopApi.newClickId(), pinId, null, ownerId, null, ip, agent, null, false,
          java.time.OffsetDateTime.now()));
      recorder.record(new Click(ShopApi.newClickId(), pinId, null, ownerId, null, recorder.hash("203.0.113.8"), agent,
          null, false, java.time.OffsetDateTime.now()));
      recorder.record(new Click(ShopApi.newClickId(), pinId, null, ownerId, null, ip, agent, null, true,
          java.time.OffsetDateTime.now()));
    } finally {
      recorder.close(15_000).await(20, TimeUnit.SECONDS);
      dead.close();
    }
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1", pinId)).isEqualTo(4);
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1 AND counted", pinId)).isEqualTo(2);
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1 AND not_counted_reason = 'repeat'", pinId)).isEqualTo(1);
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1 AND not_counted_reason = 'bot'", pinId)).isEqualTo(1);
    assertThat(shop.api().get("/api/v1/pins/" + pinId).json().getInteger("click_count")).isEqualTo(2);
  }
}
