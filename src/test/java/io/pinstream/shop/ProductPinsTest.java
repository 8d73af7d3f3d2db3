package io.pinstream.shop;

import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Product pins")
class ProductPinsTest {
  @RegisterExtension
  static TestApp app = new TestApp();
  static Shop shop = new Shop(app);

  @Test
  @DisplayName("a product pin shows its price, merchant and availability; a save copies the product")
  void productPin() {
    String owner = shop.api().signUpAndLogIn("vaseshop");
    String fan = shop.api().signUpAndLogIn("vasefan");
    JsonObject merchant = shop.merchant(owner, "Vases.Example.com", 600);
    assertThat(merchant.getString("domain")).isEqualTo("vases.example.com");
    JsonObject pin = shop.productPin(owner, merchant, "https://vases.example.com/blue", 1990);
    JsonObject product = pin.getJsonObject("product");
    assertThat(product).isEqualTo(new JsonObject()
        .put("price", new JsonObject().put("amount_minor", 1990).put("currency", "CNY"))
        .put("merchant_id", merchant.getString("id"))
        .put("availability", "in_stock"));
    assertThat(shop.api().get("/api/v1/pins/" + pin.getString("id")).json().getJsonObject("product")).isEqualTo(product);

    var saved = shop.api().post("/api/v1/pins/" + pin.getString("id") + "/save",
        new JsonObject().put("board_id", shop.api().createBoard(fan, "Want")), fan);
    assertThat(saved.status()).isEqualTo(201);
    assertThat(saved.json().getJsonObject("product")).isEqualTo(product);
    // The pinner's words are the pinner's to edit; the link is the product's page, the merchant's.
    String savedPath = "/api/v1/pins/" + saved.json().getString("id");
    var relinked = shop.api().patch(savedPath, new JsonObject().put("link", "https://elsewhere.example.com/"), fan);
    assertThat(relinked.status()).isEqualTo(422);
    assertThat(relinked.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("link");
    var retitled = shop.api().patch(savedPath, new JsonObject().put("title", "For the hall"), fan);
    assertThat(retitled.status()).isEqualTo(200);
    assertThat(retitled.json().getString("link")).isEqualTo("https://vases.example.com/blue");
    assertThat(retitled.json().getJsonObject("product")).isEqualTo(product);

    var preorder = shop.postPin(owner, "https://shop.vases.example.com/red",
        Shop.product(merchant.getString("id"), 0, "EUR").put("availability", "preorder"));
    assertThat(preorder.status()).as(preorder.body()).isEqualTo(201);
    assertThat(preorder.json().getJsonObject("product").getString("availability")).isEqualTo("preorder");
    assertThat(shop.postPin(owner, "https://x.example/plain", null).json().containsKey("product")).isFalse();
  }

  @Test
  @DisplayName("product data is the merchant's: others pin only published products at the merchant's price, and see its updates")
  void merchantOwnsProductData() {
    String owner = shop.api().signUpAndLogIn("teashop");
    String pinner = shop.api().signUpAndLogIn("teafan");
    JsonObject merchant = shop.merchant(owner, "tea.example.com", 800);
    String id = merchant.getString("id");
    String link = "https://tea.example.com/oolong";

    var unpublished = shop.postPin(pinner, link, Shop.product(id, 100, "CNY"));
    assertThat(unpublished.status()).isEqualTo(403);
    assertThat(unpublished.json().getString("code")).isEqualTo("product_not_published");

    shop.postPin(owner, link, Shop.product(id, 3800, "CNY")); // the owner publishes it by pinning it
    var cheap = shop.postPin(pinner, link, Shop.product(id, 100, "CNY"));
    assertThat(cheap.status()).as("CN\u00a51 for a real shop's page").isEqualTo(422);
    assertThat(cheap.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("product.price");
    var otherCurrency = shop.postPin(pinner, link, Shop.product(id, 3800, "USD"));
    assertThat(otherCurrency.status()).isEqualTo(422);
    var soldOut = shop.postPin(pinner, link, Shop.product(id, 3800, "CNY").put("availability", "out_of_stock"));
    assertThat(soldOut.status()).isEqualTo(422);

    var fair = shop.postPin(pinner, link, Shop.product(id, 3800, "CNY"));
    assertThat(fair.status()).isEqualTo(201);
    String pinId = fair.json().getString("id");

    // The merchant's owner changes the price and availability: every pin of the product shows it.
    assertThat(shop.postPin(owner, link, Shop.product(id, 4200, "CNY").put("availability", "preorder")).status())
        .isEqualTo(201);
    JsonObject product = shop.api().get("/api/v1/pins/" + pinId).json().getJsonObject("product");
    assertThat(product.getJsonObject("price").getLong("amount_minor")).isEqualTo(4200);
    assertThat(product.getString("availability")).isEqualTo("preorder");
  }

  @Test
  @DisplayName("a merchant's API key publishes its products as pins of its owner, and nothing else")
  void apiKeyPublishes() {
    String owner = shop.api().signUpAndLogIn("keyshop");
    JsonObject merchant = shop.merchant(owner, "keys.example.com", 800);
    String apiKey = merchant.getString("api_key");
    String board = shop.api().createBoard(owner, "Catalogue");
    String media = shop.api().uploadPhoto(owner);
    JsonObject body = new JsonObject().put("board_id", board).put("media_id", media).put("title", "Kettle")
        .put("link", "https://keys.example.com/kettle").put("product", Shop.product(merchant.getString("id"), 2500, "CNY"));
    var published = shop.api().post("/api/v1/pins", body, apiKey);
    assertThat(published.status()).as(published.body()).isEqualTo(201);
    assertThat(published.json().getJsonObject("owner").getString("username")).isEqualTo("keyshop");
    assertThat(published.json().getJsonObject("product").getJsonObject("price").getLong("amount_minor")).isEqualTo(2500);

    assertThat(shop.api().post("/api/v1/pins", body.copy().put("product", null), apiKey).status()).isEqualTo(422);
    String other = shop.merchant(shop.api().signUpAndLogIn("otherkeyshop"), "other-keys.example.com", 800).getString("id");
    assertThat(shop.api().post("/api/v1/pins", body.copy().put("link", "https://other-keys.example.com/x")
        .put("product", Shop.product(other, 1, "CNY")), apiKey).status()).isEqualTo(422);
    String strangersBoard = shop.api().createBoard(shop.api().signUpAndLogIn("keystranger"), "Not yours");
    assertThat(shop.api().post("/api/v1/pins", body.copy().put("board_id", strangersBoard), apiKey).status()).isEqualTo(403);
    assertThat(shop.api().post("/api/v1/pins", body, "psk_not_a_key").status()).isEqualTo(401);
  }

  @Test
  @DisplayName("unknown merchant, bad price, bad availability and a link off the merchant's domain are 422")
  void invalidProducts() {
    String owner = shop.api().signUpAndLogIn("rugshop");
    JsonObject merchant = shop.merchant(owner, "rugs.example.com", 700);
    String id = merchant.getString("id");
    String link = "https://rugs.example.com/r";
    assertThat(field(owner, link, Shop.product("999999", 100, "CNY"))).isEqualTo("product.merchant_id");
    assertThat(field(owner, link, Shop.product(id, 100, "cny"))).isEqualTo("product.price.currency");
    assertThat(field(owner, link, Shop.product(id, 100, "CNYY"))).isEqualTo("product.price.currency");
    assertThat(field(owner, link, Shop.product(id, -1, "CNY"))).isEqualTo("product.price.amount_minor");
    assertThat(field(owner, link, new JsonObject().put("merchant_id", id).put("price", new JsonObject()
        .put("amount_minor", 19.9).put("currency", "CNY")))).isEqualTo("product.price.amount_minor");
    assertThat(field(owner, link, new JsonObject().put("merchant_id", id))).isEqualTo("product.price");
    assertThat(field(owner, link, Shop.product(id, 100, "CNY").put("availability", "sold"))).isEqualTo("product.availability");
    assertThat(field(owner, null, Shop.product(id, 100, "CNY"))).isEqualTo("link");
    assertThat(field(owner, "https://rugs.example.com.evil.net/r", Shop.product(id, 100, "CNY"))).isEqualTo("link");
    assertThat(field(owner, "https://notrugs.example.com/r", Shop.product(id, 100, "CNY"))).isEqualTo("link");
    assertThat(field(owner, "https://example.com/r", Shop.product(id, 100, "CNY"))).isEqualTo("link");
  }

  private static String field(String token, String link, JsonObject product) {
    var reply = shop.postPin(token, link, product);
    assertThat(reply.status()).as(reply.body()).isEqualTo(422);
    return reply.json().getJsonArray("errors").getJsonObject(0).getString("field");
  }
}
