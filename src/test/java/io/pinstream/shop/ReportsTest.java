package io.pinstream.shop;

import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.LocalDate;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Merchant reports and pinner earnings")
class ReportsTest {
  @RegisterExtension
  static TestApp app = new TestApp();
  static Shop shop = new Shop(app);
  static String ownerToken;
  static String pinnerToken;
  static JsonObject merchant;
  static JsonObject pinA;
  static JsonObject pinB;
  static String today = LocalDate.now(ZoneOffset.UTC).toString();

  /** Two product pins by one pinner; clicks (counted, repeat, bot), three sales, one refunded. */
  @BeforeAll
  static void setUp() {
    ownerToken = shop.api().signUpAndLogIn("deskshop");
    pinnerToken = shop.api().signUpAndLogIn("deskfan");
    merchant = shop.merchant(ownerToken, "desks.example.com", 1000);
    pinA = shop.productPin(pinnerToken, merchant, "https://desks.example.com/a", 100_00);
    pinB = shop.productPin(pinnerToken, merchant, "https://desks.example.com/b", 250_00);
    String key = merchant.getString("api_key");
    String a1 = shop.click(pinA.getString("id"));
    String a2 = shop.click(pinA.getString("id"));
    shop.go(pinA.getString("id"), "Googlebot/2.1", null);
    String b1 = shop.click(pinB.getString("id"));
    assertThat(shop.convert(key, a1, "o-1", 10_005, "USD").status()).isEqualTo(201);
    assertThat(shop.convert(key, a2, "o-2", 333, "USD").status()).isEqualTo(201);
    JsonObject refunded = shop.convert(key, b1, "o-3", 25_000, "USD").json();
    assertThat(shop.api().post("/api/v1/conversions/" + refunded.getString("id") + "/refund", new JsonObject(), key)
        .status()).isEqualTo(200);
    // A click on another merchant's pin must not appear in this report.
    JsonObject other = shop.merchant(ownerToken, "lamps.example.net", 500);
    shop.click(shop.productPin(pinnerToken, other, "https://lamps.example.net/x", 100).getString("id"));
    shop.clicksWritten();
  }

  private static JsonObject report(String token) {
    var reply = shop.api().get("/api/v1/merchants/" + merchant.getString("id") + "/report?from=" + today + "&to=" + today, token);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return reply.json();
  }

  @Test
  @DisplayName("the report's totals and per-pin figures equal the raw click and ledger rows")
  void reportMatchesRawRows() {
    JsonObject report = report(ownerToken);
    long merchantId = Long.parseLong(merchant.getString("id"));
    assertThat(report.getLong("clicks")).isEqualTo(4).isEqualTo(shop.count("SELECT count(*) FROM clicks WHERE merchant_id = $1", merchantId));
    // a2 repeats a1 (same address, same pin): recorded, attributable, but not counted.
    assertThat(report.getLong("counted_clicks")).isEqualTo(2)
        .isEqualTo(shop.count("SELECT count(*) FROM clicks WHERE merchant_id = $1 AND counted", merchantId));
    assertThat(report.getLong("conversions")).isEqualTo(2);
    assertThat(report.getLong("refunded_conversions")).isEqualTo(1);
    assertThat(report.getLong("revenue_minor")).isEqualTo(10_005 + 333);
    // 10005 x 10% = 1000.5 -> 1000; 333 x 10% = 33.3 -> 33; the refunded sale nets to zero.
    assertThat(report.getLong("commission_minor")).isEqualTo(1033).isEqualTo(shop.count("""
        SELECT sum(l.amount_minor) FROM ledger_entries l JOIN conversions c ON c.id = l.conversion_id
         WHERE c.merchant_id = $1""", merchantId));
    assertThat(report.getString("currency")).isEqualTo("USD");

    JsonArray byPin = report.getJsonArray("by_pin");
    assertThat(byPin).hasSize(2);
    JsonObject a = byPin.getJsonObject(0);
    assertThat(a.getString("pin_id")).isEqualTo(pinA.getString("id"));
    assertThat(a.getLong("clicks")).isEqualTo(3);
    assertThat(a.getLong("conversions")).isEqualTo(2);
    assertThat(a.getLong("revenue_minor")).isEqualTo(10_338);
    assertThat(a.getLong("commission_minor")).isEqualTo(1033);
    JsonObject b = byPin.getJsonObject(1);
    assertThat(b.getString("pin_id")).isEqualTo(pinB.getString("id"));
    assertThat(b.getLong("clicks")).isEqualTo(1);
    assertThat(b.getLong("conversions")).isZero();
    assertThat(b.getLong("commission_minor")).isZero();
    long sumClicks = byPin.stream().mapToLong(p -> ((JsonObject) p).getLong("clicks")).sum();
    assertThat(sumClicks).isEqualTo(report.getLong("clicks"));

    assertThat(report(merchant.getString("api_key"))).isEqualTo(report);
    String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
    JsonObject empty = shop.api().get("/api/v1/merchants/" + merchant.getString("id") + "/report?from=" + yesterday
        + "&to=" + yesterday, ownerToken).json();
    assertThat(empty.getLong("clicks")).isZero();
    assertThat(empty.getJsonArray("by_pin")).isEmpty();
  }

  @Test
  @DisplayName("the pinner's earnings are their ledger share: earned, refunded and net per currency")
  void earnings() {
    var reply = shop.api().get("/api/v1/users/me/earnings", pinnerToken);
    assertThat(reply.status()).isEqualTo(200);
    JsonObject usd = reply.json().getJsonArray("totals").getJsonObject(0);
    // Pinner 30%: 1000 -> 300, 33 -> 9 (9.9 rounded down), 2500 -> 750 then reversed.
    assertThat(usd.getString("currency")).isEqualTo("USD");
    assertThat(usd.getLong("earned_minor")).isEqualTo(300 + 9 + 750);
    assertThat(usd.getLong("refunded_minor")).isEqualTo(750);
    assertThat(usd.getLong("net_minor")).isEqualTo(309);
    assertThat(usd.getLong("pending_minor")).isEqualTo(309);
    long pinnerId = Long.parseLong(pinA.getJsonObject("owner").getString("id"));
    assertThat(usd.getLong("net_minor")).isEqualTo(shop.count("SELECT sum(amount_minor) FROM ledger_entries WHERE user_id = $1", pinnerId));
    assertThat(reply.json().getJsonArray("items")).hasSize(4);
    assertThat(reply.json().getJsonArray("items").getJsonObject(0).getString("kind")).isEqualTo("refund");

    var paged = shop.api().get("/api/v1/users/me/earnings?page_size=3", pinnerToken).json();
    assertThat(paged.getJsonArray("items")).hasSize(3);
    var rest = shop.api().get("/api/v1/users/me/earnings?page_size=3&bookmark=" + paged.getString("bookmark"), pinnerToken).json();
    assertThat(rest.getJsonArray("items")).hasSize(1);
    assertThat(rest.getValue("bookmark")).isNull();

    assertThat(shop.api().get("/api/v1/users/me/earnings", ownerToken).json().getJsonArray("totals")).isEmpty();
    assertThat(shop.api().get("/api/v1/users/me/earnings", null).status()).isEqualTo(401);
  }

  @Test
  @DisplayName("another user or another merchant's key cannot read the report (403); no credentials is 401")
  void reportAccess() {
    String path = "/api/v1/merchants/" + merchant.getString("id") + "/report?from=" + today + "&to=" + today;
    String stranger = shop.api().signUpAndLogIn("nosy");
    JsonObject otherShop = shop.merchant(stranger, "nosy.example.com", 500);
    assertThat(shop.api().get(path, stranger).status()).isEqualTo(403);
    assertThat(shop.api().get(path, otherShop.getString("api_key")).status()).isEqualTo(403);
    assertThat(shop.api().get(path, null).status()).isEqualTo(401);
    assertThat(shop.api().get(path, "psk_unknown").status()).isEqualTo(401);
    assertThat(shop.api().get("/api/v1/merchants/999999/report?from=" + today + "&to=" + today, stranger).status())
        .isEqualTo(404);
  }

  @Test
  @DisplayName("bad, missing, reversed or too long date ranges are 422")
  void badRanges() {
    String base = "/api/v1/merchants/" + merchant.getString("id") + "/report";
    for (String query : new String[]{"?from=2026-13-01&to=2026-12-01", "?from=yesterday&to=" + today, "?to=" + today,
        "?from=2026-02-01&to=2026-01-31", "?from=2024-01-01&to=2025-12-31", "?from=2026-1-1&to=2026-01-02"}) {
      var reply = shop.api().get(base + query, ownerToken);
      assertThat(reply.status()).as(query).isEqualTo(422);
    }
    assertThat(shop.api().get(base + "?from=2025-01-01&to=2026-01-01", ownerToken).status()).isEqualTo(200);
  }
}
