package io.pinstream.shop;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Set-up steps and database look-ups shared by the commerce tests. */
final class Shop {
  static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
  private final TestApp app;

  Shop(TestApp app) {
    this.app = app;
  }

  ApiClient api() {
    return app.api();
  }

  /** Creates a merchant; the reply includes its api_key. */
  JsonObject merchant(String ownerToken, String domain, int rateBps) {
    var reply = api().post("/api/v1/merchants", new JsonObject().put("name", "Shop " + domain).put("domain", domain)
        .put("commission_rate_bps", rateBps), ownerToken);
    if (reply.status() != 201) {
      throw new IllegalStateException("merchant creation failed: " + reply);
    }
    owners.put(reply.json().getString("id"), ownerToken);
    return reply.json();
  }

  /** Merchant id -> its owner's token: products are published by their merchant's owner. */
  private final Map<String, String> owners = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Set<String> published = java.util.concurrent.ConcurrentHashMap.newKeySet();

  ApiClient.Reply postPin(String token, String link, JsonObject product) {
    String board = boardOf(token);
    JsonObject body = new JsonObject().put("board_id", board).put("media_id", api().uploadPhoto(token)).put("title", "Thing");
    if (link != null) {
      body.put("link", link);
    }
    if (product != null) {
      body.put("product", product);
    }
    return api().post("/api/v1/pins", body, token);
  }

  /**
   * A product pin by {@code token}. A pinner can only pin what the merchant published, so when the
   * pinner is not the merchant's owner, the owner pins (publishes) the product first, once.
   */
  JsonObject productPin(String token, JsonObject merchant, String link, long priceMinor) {
    String owner = owners.get(merchant.getString("id"));
    if (owner != null && !owner.equals(token) && published.add(merchant.getString("id") + " " + link)) {
      productPin(owner, merchant, link, priceMinor);
    }
    var reply = postPin(token, link, product(merchant.getString("id"), priceMinor, "CNY"));
    if (reply.status() != 201) {
      throw new IllegalStateException("product pin failed: " + reply);
    }
    return reply.json();
  }

  static JsonObject product(String merchantId, long priceMinor, String currency) {
    return new JsonObject().put("merchant_id", merchantId)
        .put("price", new JsonObject().put("amount_minor", priceMinor).put("currency", currency));
  }

  private final Map<String, String> boards = new java.util.concurrent.ConcurrentHashMap<>();

  private String boardOf(String token) {
    return boards.computeIfAbsent(token, t -> api().createBoard(t, "Products"));
  }

  /** GET /go/{pin} as a browser would, without following the redirect. */
  ApiClient.Reply go(String pinId, String userAgent, String token) {
    var request = api().request("/go/" + pinId, token).GET();
    if (userAgent != null) {
      request.header("User-Agent", userAgent);
    }
    return api().send(request);
  }

  /** Clicks through and returns the pclid the shop receives. */
  String click(String pinId) {
    var reply = go(pinId, BROWSER, null);
    if (reply.status() != 302) {
      throw new IllegalStateException("redirect failed: " + reply);
    }
    return clickId(reply.header("Location"));
  }

  static String clickId(String location) {
    String query = URI.create(location).getRawQuery();
    for (String pair : query.split("&")) {
      if (pair.startsWith("pclid=")) {
        return pair.substring(6);
      }
    }
    throw new IllegalStateException("no pclid in " + location);
  }

  ApiClient.Reply convert(String apiKey, String clickId, String orderId, Object amountMinor, String currency) {
    return api().post("/api/v1/conversions", new JsonObject().put("click_id", clickId).put("order_id", orderId)
        .put("amount_minor", amountMinor).put("currency", currency), apiKey);
  }

  /** Waits until every click handed to the recorder is in PostgreSQL. */
  void clicksWritten() {
    try {
      app.app().components().clicks().written(10_000).await(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  List<Row> sql(String sql, Object... params) {
    try {
      List<Row> out = new ArrayList<>();
      app.app().components().pg().preparedQuery(sql).execute(Tuple.from(params)).await(15, TimeUnit.SECONDS).forEach(out::add);
      return out;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  long count(String sql, Object... params) {
    return sql(sql, params).get(0).getLong(0);
  }
}
