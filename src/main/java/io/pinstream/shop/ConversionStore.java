package io.pinstream.shop;

import io.pinstream.common.Problems;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;

/**
 * Conversions and their ledger entries. A conversion and its commission entries are written in one
 * transaction; the unique (merchant_id, order_id) makes a repeated postback a no-op
 * ({@code ON CONFLICT DO NOTHING}), however many arrive at once. The ledger is only ever appended to.
 */
public final class ConversionStore {
  private final Pool pool;

  public ConversionStore(Pool pool) {
    this.pool = pool;
  }

  /** The click a conversion names, as far as attribution needs it. */
  public record ClickRef(String id, Long merchantId, long pinId, long pinnerId, OffsetDateTime clickedAt) {
  }

  public record NewConversion(Merchant merchant, String orderId, ClickRef click, long amountMinor, String currency,
                              Money.Split split, boolean suspect, OffsetDateTime createdAt) {
  }

  public Future<ClickRef> click(String id) {
    return pool.preparedQuery("SELECT id, merchant_id, pin_id, pinner_id, clicked_at FROM clicks WHERE id = $1")
        .execute(Tuple.of(id))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row row = rows.iterator().next();
          return new ClickRef(row.getString("id"), row.getLong("merchant_id"), row.getLong("pin_id"),
              row.getLong("pinner_id"), row.getOffsetDateTime("clicked_at"));
        });
  }

  /** The merchant's conversion for this order, or null. */
  public Future<Conversion> byOrder(long merchantId, String orderId) {
    return pool.preparedQuery("SELECT " + Conversion.COLUMNS + " FROM conversions WHERE merchant_id = $1 AND order_id = $2")
        .execute(Tuple.of(merchantId, orderId))
        .map(rows -> rows.size() == 0 ? null : Conversion.from(rows.iterator().next()));
  }

  /** The new conversion, or null when the order was already recorded (by this or a concurrent request). */
  public Future<Conversion> create(NewConversion c) {
    return pool.withTransaction(conn -> settleCurrency(conn, c.merchant(), c.currency())
        .compose(v -> conn.preparedQuery("""
                INSERT INTO conversions (merchant_id, order_id, click_id, pin_id, pinner_id, amount_minor, currency,
                                         commission_rate_bps, commission_minor, suspect, clicked_at, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                ON CONFLICT (merchant_id, order_id) DO NOTHING
                RETURNING""" + " " + Conversion.COLUMNS)
            .execute(Tuple.from(new Object[]{c.merchant().id(), c.orderId(), c.click().id(), c.click().pinId(),
                c.click().pinnerId(), c.amountMinor(), c.currency(), c.merchant().commissionRateBps(),
                c.split().commission(), c.suspect(), c.click().clickedAt(), c.createdAt()})))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(null);
          }
          Conversion created = Conversion.from(rows.iterator().next());
          return conn.preparedQuery("""
                  INSERT INTO ledger_entries (conversion_id, account, user_id, amount_minor, currency, kind, created_at)
                  VALUES ($1, 'pinner:' || $2::bigint, $2::bigint, $3, $4, 'commission', $6),
                         ($1, 'platform', NULL, $5, $4, 'commission', $6)""")
              .execute(Tuple.of(created.id(), created.pinnerId(), c.split().pinner(), c.currency(), c.split().platform(),
                  c.createdAt()))
              .map(created);
        }));
  }

  /**
   * A merchant settles in one currency: the one it was created with, or else the one of its first
   * conversion (set here under the merchant row's lock, so two first conversions cannot disagree).
   */
  private static Future<Void> settleCurrency(SqlConnection conn, Merchant merchant, String currency) {
    Future<String> settled = merchant.currency() != null
        ? Future.succeededFuture(merchant.currency())
        : conn.preparedQuery("UPDATE merchants SET currency = COALESCE(currency, $2) WHERE id = $1 RETURNING currency")
            .execute(Tuple.of(merchant.id(), currency))
            .map(rows -> rows.iterator().next().getString(0));
    return settled.compose(expected -> expected.equals(currency)
        ? Future.succeededFuture()
        : Future.failedFuture(Problems.invalid("currency", "this merchant settles in " + expected)));
  }

  /**
   * Marks the conversion refunded and appends the negated commission entries. Refunding again is
   * idempotent: the conversion is answered as it is and nothing more is written.
   */
  public Future<Conversion> refund(long merchantId, long conversionId) {
    return pool.withTransaction(conn -> conn.preparedQuery("""
                UPDATE conversions SET status = 'refunded', refunded_at = now()
                 WHERE id = $1 AND merchant_id = $2 AND status <> 'refunded'
                RETURNING""" + " " + Conversion.COLUMNS)
            .execute(Tuple.of(conversionId, merchantId))
            .compose(rows -> rows.size() == 0
                ? Future.succeededFuture((Conversion) null)
                : conn.preparedQuery("""
                        INSERT INTO ledger_entries (conversion_id, account, user_id, amount_minor, currency, kind)
                        SELECT conversion_id, account, user_id, -amount_minor, currency, 'refund'
                          FROM ledger_entries WHERE conversion_id = $1 AND kind = 'commission'""")
                    .execute(Tuple.of(conversionId))
                    .map(Conversion.from(rows.iterator().next()))))
        .compose(refunded -> refunded != null ? Future.succeededFuture(refunded) : pool
            .preparedQuery("SELECT " + Conversion.COLUMNS + " FROM conversions WHERE id = $1 AND merchant_id = $2")
            .execute(Tuple.of(conversionId, merchantId))
            .compose(rows -> rows.size() == 0
                // Another merchant's conversion is answered like a missing one: ids reveal nothing.
                ? Future.failedFuture(Problems.notFound("conversion_not_found", "No conversion with id " + conversionId))
                : Future.succeededFuture(Conversion.from(rows.iterator().next()))));
  }
}
