package io.pinstream.shop;

import io.pinstream.web.JsonInput;
import io.pinstream.common.Problems;
import io.pinstream.shop.Product;
import io.vertx.core.Future;

import java.net.URI;
import java.util.Set;

/** Reads and checks the {@code product} of a new pin: a known merchant, a sane price, a link on its domain. */
public final class ProductPins {
  public static final Set<String> AVAILABILITY = Set.of("in_stock", "out_of_stock", "preorder");

  private ProductPins() {
  }

  /** The product as sent (merchant not yet checked), or null when the pin has none; errors go to {@code in}. */
  public static Product read(JsonInput in, String link) {
    JsonInput product = in.optionalObject("product");
    if (product == null) {
      return null;
    }
    Long merchantId = product.requiredId("merchant_id");
    JsonInput price = product.optionalObject("price");
    if (price == null && !product.hasError("price")) {
      product.error("price", "is required");
    }
    Long amount = price == null ? null : Money.amount(price, "amount_minor");
    String currency = price == null ? null : price.matching("currency", price.requiredString("currency", 3, 3),
        Money.CURRENCY, "must be an ISO 4217 code (3 capital letters)");
    String availability = product.oneOf("availability", product.optionalString("availability", 1, 20), AVAILABILITY);
    if (link == null && !in.hasError("link")) {
      in.error("link", "a product pin needs a link to the merchant's shop");
    }
    if (merchantId == null || amount == null || currency == null
        || (availability == null && product.has("availability"))) {
      return null;
    }
    return new Product(merchantId, amount, currency, availability == null ? "in_stock" : availability);
  }

  /** Succeeds with the product when its merchant exists and the link is on the merchant's domain. */
  public static Future<Product> check(MerchantStore merchants, Product product, String link) {
    if (product == null) {
      return Future.succeededFuture(null);
    }
    return merchants.find(product.merchantId()).compose(merchant -> {
      if (merchant == null) {
        return Future.failedFuture(Problems.invalid("product.merchant_id", "no merchant with this id"));
      }
      String host = URI.create(link).getHost();
      if (host == null || !merchant.owns(host)) {
        return Future.failedFuture(Problems.invalid("link", "a product pin's link must be on the merchant's domain ("
            + merchant.domain() + ")"));
      }
      return Future.succeededFuture(product);
    });
  }
}
