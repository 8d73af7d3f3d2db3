package io.pinstream.shop;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Conversions, commissions and refunds")
class ConversionsTest {
  @RegisterExtension
  static TestApp app = new TestApp();
  static Shop shop = new Shop(app);
  static String ownerToken;
  static String pinnerToken;
  static JsonObject merchant;
  static String apiKey;
  static JsonObject pin;

  @BeforeAll
  static void setUp() {
    ownerToken = shop.api().signUpAndLogIn("teashop");
    pinnerToken = shop.api().signUpAndLogIn("teafan");
    merchant = shop.merchant(ownerToken, "tea.example.com", 800);
    apiKey = merchant.getString("api_key");
    pin = shop.productPin(pinnerToken, merchant, "https://tea.example.com/oolong", 19990);
  }

  @Test
  @DisplayName("a merchant is created with its API key shown once and stored only as a hash")
  void merchantCreated() {
    assertThat(merchant.getString("id")).matches("\\d+");
    assertThat(merchant.getInteger("commission_rate_bps")).isEqualTo(800);
    assertThat(merchant.getInteger("attribution_window_days")).isEqualTo(30);
    assertThat(merchant.getString("domain")).isEqualTo("tea.example.com");
    assertThat(apiKey).startsWith("psk_").hasSizeGreaterThan(40);
    var read = shop.api().get("/api/v1/merchants/" + merchant.getString("id"));
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().containsKey("api_key")).isFalse();
    assertThat(shop.count("SELECT count(*) FROM merchants WHERE api_key_hash = sha256(convert_to($1, 'UTF8'))", apiKey))
        .isEqualTo(1);
    assertThat(shop.count("SELECT count(*) FROM merchants WHERE encode(api_key_hash, 'escape') LIKE '%' || $1 || '%'",
        apiKey.substring(4))).isZero();

    var bad = shop.api().post("/api/v1/merchants", new JsonObject().put("name", "").put("domain", "https://x.com/")
        .put("commission_rate_bps", 10_001).put("attribution_window_days", 0), ownerToken);
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.json().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")).toList())
        .containsExactlyInAnyOrder("name", "domain", "commission_rate_bps", "attribution_window_days");
    assertThat(shop.api().post("/api/v1/merchants", new JsonObject().put("name", "x").put("domain", "x.com")
        .put("commission_rate_bps", 500), null).status()).isEqualTo(401);
  }

  @Test
  @DisplayName("a conversion is 201 with the commission rounded down; the same postback is 200, a different one 409")
  void happyPathReplayAndConflict() {
    String click = shop.click(pin.getString("id"));
    var created = shop.convert(apiKey, click, "order-1", 19990, "CNY");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonObject conversion = created.json();
    assertThat(conversion.getString("status")).isEqualTo("pending");
    // 19990 x 8% = 1599.2 -> 1599; the pinner's 30% of 1599 = 479.7 -> 479; the platform 1120.
    assertThat(conversion.getValue("commission_minor")).isEqualTo(1599);
    assertThat(conversion.getString("click_id")).isEqualTo(click);
    assertThat(conversion.getString("pin_id")).isEqualTo(pin.getString("id"));
    assertThat(conversion.getBoolean("suspect")).as("converted within 10 s of the click").isTrue();
    long id = Long.parseLong(conversion.getString("id"));
    assertThat(shop.count("SELECT amount_minor FROM ledger_entries WHERE conversion_id = $1 AND account LIKE 'pinner:%'", id))
        .isEqualTo(479);
    assertThat(shop.count("SELECT amount_minor FROM ledger_entries WHERE conversion_id = $1 AND account = 'platform'", id))
        .isEqualTo(1120);

    var replay = shop.convert(apiKey, click, "order-1", 19990, "CNY");
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.json()).isEqualTo(conversion);
    var conflict = shop.convert(apiKey, click, "order-1", 19991, "CNY");
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.json().getString("code")).isEqualTo("order_already_recorded");
    assertThat(shop.count("SELECT count(*) FROM ledger_entries WHERE conversion_id = $1", id)).isEqualTo(2);
  }

  @Test
  @DisplayName("a conversion a while after its click is not suspect")
  void notSuspect() {
    String click = shop.click(pin.getString("id"));
    shop.clicksWritten();
    shop.sql("UPDATE clicks SET clicked_at = clicked_at - interval '1 minute' WHERE id = $1", click);
    var reply = shop.convert(apiKey, click, "order-late", 1000, "CNY");
    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.json().getBoolean("suspect")).isFalse();
  }

  @Test
  @DisplayName("50 identical postbacks at once make exactly one conversion and one set of ledger entries")
  void concurrentPostbacks() {
    String click = shop.click(pin.getString("id"));
    shop.clicksWritten();
    ExecutorService pool = Executors.newFixedThreadPool(50);
    List<CompletableFuture<ApiClient.Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      replies.add(CompletableFuture.supplyAsync(() -> shop.convert(apiKey, click, "order-storm", 5000, "CNY"), pool));
    }
    List<ApiClient.Reply> done = replies.stream().map(CompletableFuture::join).toList();
    pool.shutdown();
    assertThat(done).filteredOn(r -> r.status() == 201).hasSize(1);
    assertThat(done).filteredOn(r -> r.status() == 200).hasSize(49);
    assertThat(done.stream().map(r -> r.json().getString("id")).distinct()).hasSize(1);
    long id = Long.parseLong(done.get(0).json().getString("id"));
    assertThat(shop.count("SELECT count(*) FROM conversions WHERE order_id = 'order-storm'")).isEqualTo(1);
    assertThat(shop.count("SELECT count(*) FROM ledger_entries WHERE conversion_id = $1", id)).isEqualTo(2);
    assertThat(shop.count("SELECT sum(amount_minor) FROM ledger_entries WHERE conversion_id = $1", id)).isEqualTo(400);
  }

  @Test
  @DisplayName("an unknown click, another merchant's click and a click older than the window are 422")
  void unattributable() {
    var unknown = shop.convert(apiKey, "AAAAAAAAAAAAAAAAAAAAAA", "order-x1", 100, "CNY");
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.json().getString("code")).isEqualTo("unknown_click");

    JsonObject rival = shop.merchant(ownerToken, "rival.example.com", 1000);
    JsonObject rivalPin = shop.productPin(pinnerToken, rival, "https://rival.example.com/tea", 500);
    String rivalClick = shop.click(rivalPin.getString("id"));
    var foreign = shop.convert(apiKey, rivalClick, "order-x2", 100, "CNY");
    assertThat(foreign.status()).isEqualTo(422);
    assertThat(foreign.json().getString("code")).isEqualTo("unknown_click");
    assertThat(shop.convert(rival.getString("api_key"), rivalClick, "order-x2", 100, "CNY").status()).isEqualTo(201);

    String old = shop.click(pin.getString("id"));
    shop.clicksWritten();
    shop.sql("UPDATE clicks SET clicked_at = now() - interval '30 days 1 minute' WHERE id = $1", old);
    var expired = shop.convert(apiKey, old, "order-x3", 100, "CNY");
    assertThat(expired.status()).isEqualTo(422);
    assertThat(expired.json().getString("code")).isEqualTo("click_expired");
    shop.sql("UPDATE clicks SET clicked_at = now() - interval '29 days 23 hours' WHERE id = $1", old);
    assertThat(shop.convert(apiKey, old, "order-x3", 100, "CNY").status()).isEqualTo(201);
    assertThat(shop.count("SELECT count(*) FROM conversions WHERE order_id IN ('order-x1')")).isZero();
  }

  @Test
  @DisplayName("conversions need the merchant's API key; a user token or a wrong key is 401")
  void merchantAuth() {
    String click = shop.click(pin.getString("id"));
    assertThat(shop.convert(null, click, "order-a", 100, "CNY").status()).isEqualTo(401);
    assertThat(shop.convert(ownerToken, click, "order-a", 100, "CNY").status()).isEqualTo(401);
    assertThat(shop.convert("psk_wrong", click, "order-a", 100, "CNY").status()).isEqualTo(401);
  }

  @Test
  @DisplayName("money is integer minor units: decimals, strings, negatives and other currencies are refused")
  void moneyIsNeverFloatingPoint() {
    String click = shop.click(pin.getString("id"));
    for (Object amount : List.of(19.99, 1999.0, "1999", -1, 100_000_000_000_001L)) {
      var reply = shop.convert(apiKey, click, "order-m", amount, "CNY");
      assertThat(reply.status()).as(String.valueOf(amount)).isEqualTo(422);
      assertThat(reply.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("amount_minor");
    }
    assertThat(shop.convert(apiKey, click, "order-m", 100, "cny").status()).isEqualTo(422);
    assertThat(shop.api().postRaw("/api/v1/conversions", "{\"click_id\":\"" + click
        + "\",\"order_id\":\"order-m\",\"amount_minor\":1e3,\"currency\":\"CNY\"}", apiKey).status()).isEqualTo(422);
    // The merchant settled in CNY with its first conversion.
    var otherCurrency = shop.convert(apiKey, click, "order-m", 100, "EUR");
    assertThat(otherCurrency.status()).isEqualTo(422);
    assertThat(otherCurrency.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("currency");
    // Every money column is a bigint.
    assertThat(shop.sql("""
        SELECT table_name, column_name, data_type FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name LIKE '%minor%' AND data_type <> 'bigint'""")).isEmpty();
    // The largest amount times the largest rate is exact in integer arithmetic.
    var big = shop.convert(apiKey, click, "order-big", 99_999_999_999_999L, "CNY");
    assertThat(big.status()).isEqualTo(201);
    assertThat(big.json().getValue("commission_minor")).isEqualTo(7_999_999_999_999L);
  }

  @Test
  @DisplayName("a refund sets the status and reverses the commission with negative entries; again is idempotent")
  void refund() {
    String click = shop.click(pin.getString("id"));
    JsonObject conversion = shop.convert(apiKey, click, "order-r", 12345, "CNY").json();
    String path = "/api/v1/conversions/" + conversion.getString("id") + "/refund";
    long id = Long.parseLong(conversion.getString("id"));

    JsonObject rival = shop.merchant(ownerToken, "other.example.com", 500);
    assertThat(shop.api().post(path, new JsonObject(), rival.getString("api_key")).status()).isEqualTo(404);
    assertThat(shop.api().post(path, new JsonObject(), null).status()).isEqualTo(401);

    var refunded = shop.api().post(path, new JsonObject(), apiKey);
    assertThat(refunded.status()).isEqualTo(200);
    assertThat(refunded.json().getString("status")).isEqualTo("refunded");
    assertThat(refunded.json().getString("refunded_at")).isNotNull();
    assertThat(shop.count("SELECT count(*) FROM ledger_entries WHERE conversion_id = $1 AND kind = 'refund' AND amount_minor < 0", id))
        .isEqualTo(2);
    assertThat(shop.count("SELECT sum(amount_minor) FROM ledger_entries WHERE conversion_id = $1", id)).isZero();

    var again = shop.api().post(path, new JsonObject(), apiKey);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json()).isEqualTo(refunded.json());
    assertThat(shop.count("SELECT count(*) FROM ledger_entries WHERE conversion_id = $1", id)).isEqualTo(4);
    assertThat(shop.api().post("/api/v1/conversions/99999999/refund", new JsonObject(), apiKey).status()).isEqualTo(404);
  }

  @Test
  @DisplayName("the ledger is append-only: the database refuses updates and deletes")
  void ledgerAppendOnly() {
    String click = shop.click(pin.getString("id"));
    assertThat(shop.convert(apiKey, click, "order-l", 100, "CNY").status()).isEqualTo(201);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> shop.sql("UPDATE ledger_entries SET amount_minor = 0"))
        .hasMessageContaining("append-only");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> shop.sql("DELETE FROM ledger_entries"))
        .hasMessageContaining("append-only");
  }
}
