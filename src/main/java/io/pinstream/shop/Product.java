package io.pinstream.shop;

import io.pinstream.common.Ids;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/** What makes a pin a product pin: the merchant selling it, its price (integer minor units) and availability. */
public record Product(long merchantId, long priceMinor, String currency, String availability) {

  /** The product columns of a pins row, or null for a pin that is not a product. */
  public static Product from(Row row) {
    Long merchantId = row.getLong("merchant_id");
    return merchantId == null ? null : new Product(merchantId, row.getLong("price_minor"),
        row.getString("currency"), row.getString("availability"));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("price", new JsonObject().put("amount_minor", priceMinor).put("currency", currency))
        .put("merchant_id", Ids.format(merchantId))
        .put("availability", availability);
  }
}
