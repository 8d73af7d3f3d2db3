package io.pinstream.shop;

import io.pinstream.common.Ids;
import io.pinstream.common.Times;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;

/** A sale reported by a merchant, attributed to the click (and so the pin and pinner) that led to it. */
public record Conversion(long id, long merchantId, String orderId, String clickId, long pinId, long pinnerId,
                         long amountMinor, String currency, int commissionRateBps, long commissionMinor, String status,
                         boolean suspect, OffsetDateTime createdAt, OffsetDateTime refundedAt) {

  static final String COLUMNS = "id, merchant_id, order_id, click_id, pin_id, pinner_id, amount_minor, currency, "
      + "commission_rate_bps, commission_minor, status, suspect, created_at, refunded_at";

  static Conversion from(Row row) {
    return new Conversion(row.getLong("id"), row.getLong("merchant_id"), row.getString("order_id"),
        row.getString("click_id"), row.getLong("pin_id"), row.getLong("pinner_id"), row.getLong("amount_minor"),
        row.getString("currency"), row.getInteger("commission_rate_bps"), row.getLong("commission_minor"),
        row.getString("status"), row.getBoolean("suspect"), row.getOffsetDateTime("created_at"),
        row.getOffsetDateTime("refunded_at"));
  }

  /** Whether a repeated postback asks for this very conversion (same click, amount and currency). */
  boolean sameRequest(String clickId, long amountMinor, String currency) {
    return this.clickId.equals(clickId) && this.amountMinor == amountMinor && this.currency.equals(currency);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", Ids.format(id))
        .put("status", status)
        .put("order_id", orderId)
        .put("click_id", clickId)
        .put("pin_id", Ids.format(pinId))
        .put("amount_minor", amountMinor)
        .put("currency", currency)
        .put("commission_rate_bps", commissionRateBps)
        .put("commission_minor", commissionMinor)
        .put("suspect", suspect)
        .put("created_at", Times.format(createdAt))
        .put("refunded_at", Times.format(refundedAt));
  }
}
