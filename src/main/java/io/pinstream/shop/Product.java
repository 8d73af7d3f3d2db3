package io.pinstream.shop;

import io.pinstream.common.Ids;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/**
 * A merchant's product: its link on the merchant's domain, its current price (integer minor units)
 * and availability. Owned by the merchant; every pin of it shows these, as they are now.
 */
public record Product(long id, long merchantId, String link, long priceMinor, String currency, String availability) {

  /** Joined into a pin query as {@code pr} (see pins' Pin.JOINS); read by {@link #from(Row)}. */
  public static final String PIN_COLUMNS = "p.product_id, p.link AS product_link, pr.merchant_id AS product_merchant_id, "
      + "pr.price_minor AS product_price_minor, pr.currency AS product_currency, pr.availability AS product_availability";
  public static final String PIN_JOIN = " LEFT JOIN products pr ON pr.id = p.product_id ";

  /** The product of a pins row read with {@link #PIN_COLUMNS}, or null for a pin that is not a product. */
  public static Product from(Row row) {
    Long id = row.getLong("product_id");
    return id == null ? null : new Product(id, row.getLong("product_merchant_id"), row.getString("product_link"),
        row.getLong("product_price_minor"), row.getString("product_currency"), row.getString("product_availability"));
  }

  static Product fromProductRow(Row row) {
    return new Product(row.getLong("id"), row.getLong("merchant_id"), row.getString("link"), row.getLong("price_minor"),
        row.getString("currency"), row.getString("availability"));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("price", new JsonObject().put("amount_minor", priceMinor).put("currency", currency))
        .put("merchant_id", Ids.format(merchantId))
        .put("availability", availability);
  }
}
