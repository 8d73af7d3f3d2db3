package io.pinstream.shop;

import io.pinstream.common.Problems;
import io.pinstream.web.JsonInput;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.net.URI;
import java.util.Set;

/**
 * The {@code product} of a new pin, and whose data it is. The merchant's owner publishes a product
 * by pinning it: its price and availability become the product's current data. Anyone else may pin
 * a product the merchant published, as pinners did on Mogujie, and earns the pinner's share on the
 * sales it refers; a product the merchant never published (403), or a price other than the
 * merchant's (422), is refused.
 */
public final class ProductPins {
  public static final Set<String> AVAILABILITY = Set.of("in_stock", "out_of_stock", "preorder");
  private final Pool pool;
  private final MerchantStore merchants;

  public ProductPins(Pool pool, MerchantStore merchants) {
    this.pool = pool;
    this.merchants = merchants;
  }

  /** What a pin says of its product; {@code availability} null when not given. */
  public record Request(long merchantId, long priceMinor, String currency, String availability) {
  }

  /** The product as sent (not yet checked), or null when the pin has none; errors go to {@code in}. */
  public static Request read(JsonInput in, String link) {
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
    return new Request(merchantId, amount, currency, availability);
  }

  /**
   * The product a pin by {@code userId} may show: published (or updated) when the user owns the
   * merchant, else the merchant's own, which the request must agree with. Null when {@code request} is.
   */
  public Future<Product> resolve(long userId, Request request, String link) {
    if (request == null) {
      return Future.succeededFuture(null);
    }
    return merchants.find(request.merchantId()).compose(merchant -> {
      if (merchant == null) {
        return Future.failedFuture(Problems.invalid("product.merchant_id", "no merchant with this id"));
      }
      String host = URI.create(link).getHost();
      if (host == null || !merchant.owns(host)) {
        return Future.failedFuture(Problems.invalid("link", "a product pin's link must be on the merchant's domain ("
            + merchant.domain() + ")"));
      }
      return merchant.ownerId() == userId ? publish(merchant, request, link) : published(merchant, request, link);
    });
  }

  private Future<Product> publish(Merchant merchant, Request request, String link) {
    return pool.preparedQuery("""
            INSERT INTO products (merchant_id, link, price_minor, currency, availability) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (merchant_id, link) DO UPDATE SET price_minor = EXCLUDED.price_minor,
                   currency = EXCLUDED.currency, availability = EXCLUDED.availability, updated_at = now()
            RETURNING *""")
        .execute(Tuple.of(merchant.id(), link, request.priceMinor(), request.currency(),
            request.availability() == null ? "in_stock" : request.availability()))
        .map(rows -> Product.fromProductRow(rows.iterator().next()));
  }

  private Future<Product> published(Merchant merchant, Request request, String link) {
    return pool.preparedQuery("SELECT * FROM products WHERE merchant_id = $1 AND link = $2")
        .execute(Tuple.of(merchant.id(), link))
        .map(rows -> {
          if (rows.size() == 0) {
            throw Problems.forbidden("product_not_published", merchant.name() + " has not published " + link
                + "; only the merchant's own data can be pinned as a product");
          }
          Product product = Product.fromProductRow(rows.iterator().next());
          if (product.priceMinor() != request.priceMinor() || !product.currency().equals(request.currency())) {
            throw Problems.invalid("product.price", "differs from the merchant's price ("
                + product.priceMinor() + " " + product.currency() + ")");
          }
          if (request.availability() != null && !request.availability().equals(product.availability())) {
            throw Problems.invalid("product.availability", "differs from the merchant's (" + product.availability() + ")");
          }
          return product;
        });
  }
}
