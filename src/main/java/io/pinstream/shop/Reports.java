package io.pinstream.shop;

import io.pinstream.common.Ids;
import io.pinstream.web.Paging;
import io.pinstream.common.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Figures computed by SQL over the raw rows every time (no counters that could drift): clicks by
 * {@code clicked_at}, conversions by {@code created_at}, commission as the sum of the ledger.
 * Refunded conversions are not counted, their revenue is left out, and their commission nets to zero
 * in the ledger (commission + negative refund entries), so every figure is net of refunds.
 */
public final class Reports {
  private final Pool pool;

  public Reports(Pool pool) {
    this.pool = pool;
  }

  /** The merchant's report for {@code [from, to)}: totals, {@code by_pin} and {@code by_day} (UTC days with activity). */
  public Future<JsonObject> merchant(Merchant merchant, OffsetDateTime from, OffsetDateTime to) {
    Future<JsonArray> byDay = byDay(merchant, from, to);
    return byPin(merchant, from, to).compose(report -> byDay.map(days -> report.put("by_day", days)));
  }

  private Future<JsonArray> byDay(Merchant merchant, OffsetDateTime from, OffsetDateTime to) {
    return pool.preparedQuery("""
            WITH k AS (
              SELECT (clicked_at AT TIME ZONE 'UTC')::date AS day, count(*) AS clicks,
                     count(*) FILTER (WHERE counted) AS counted
                FROM clicks WHERE merchant_id = $1 AND clicked_at >= $2 AND clicked_at < $3
               GROUP BY 1),
            v AS (
              SELECT (c.created_at AT TIME ZONE 'UTC')::date AS day,
                     count(*) FILTER (WHERE c.status <> 'refunded') AS conversions,
                     coalesce(sum(c.amount_minor) FILTER (WHERE c.status <> 'refunded'), 0)::bigint AS revenue,
                     coalesce(sum(l.net), 0)::bigint AS commission
                FROM conversions c
                LEFT JOIN LATERAL (SELECT sum(amount_minor) AS net FROM ledger_entries e
                                    WHERE e.conversion_id = c.id) l ON true
               WHERE c.merchant_id = $1 AND c.created_at >= $2 AND c.created_at < $3
               GROUP BY 1)
            SELECT coalesce(k.day, v.day)::text AS day, coalesce(k.clicks, 0) AS clicks,
                   coalesce(k.counted, 0) AS counted, coalesce(v.conversions, 0) AS conversions,
                   coalesce(v.revenue, 0) AS revenue, coalesce(v.commission, 0) AS commission
              FROM k FULL JOIN v ON v.day = k.day
             ORDER BY 1""")
        .execute(Tuple.of(merchant.id(), from, to))
        .map(rows -> {
          JsonArray days = new JsonArray();
          for (Row row : rows) {
            days.add(new JsonObject()
                .put("date", row.getString("day"))
                .put("clicks", row.getLong("clicks"))
                .put("counted_clicks", row.getLong("counted"))
                .put("conversions", row.getLong("conversions"))
                .put("revenue_minor", row.getLong("revenue"))
                .put("commission_minor", row.getLong("commission")));
          }
          return days;
        });
  }

  private Future<JsonObject> byPin(Merchant merchant, OffsetDateTime from, OffsetDateTime to) {
    return pool.preparedQuery("""
            WITH k AS (
              SELECT pin_id, count(*) AS clicks, count(*) FILTER (WHERE counted) AS counted
                FROM clicks WHERE merchant_id = $1 AND clicked_at >= $2 AND clicked_at < $3
               GROUP BY pin_id),
            v AS (
              SELECT c.pin_id,
                     count(*) FILTER (WHERE c.status <> 'refunded') AS conversions,
                     count(*) FILTER (WHERE c.status = 'refunded') AS refunded,
                     coalesce(sum(c.amount_minor) FILTER (WHERE c.status <> 'refunded'), 0)::bigint AS revenue,
                     coalesce(sum(l.net), 0)::bigint AS commission
                FROM conversions c
                LEFT JOIN LATERAL (SELECT sum(amount_minor) AS net FROM ledger_entries e
                                    WHERE e.conversion_id = c.id) l ON true
               WHERE c.merchant_id = $1 AND c.created_at >= $2 AND c.created_at < $3
               GROUP BY c.pin_id)
            SELECT coalesce(k.pin_id, v.pin_id) AS pin_id, coalesce(k.clicks, 0) AS clicks,
                   coalesce(k.counted, 0) AS counted, coalesce(v.conversions, 0) AS conversions,
                   coalesce(v.refunded, 0) AS refunded, coalesce(v.revenue, 0) AS revenue,
                   coalesce(v.commission, 0) AS commission
              FROM k FULL JOIN v ON v.pin_id = k.pin_id
             ORDER BY clicks DESC, pin_id""")
        .execute(Tuple.of(merchant.id(), from, to))
        .map(rows -> {
          long clicks = 0;
          long counted = 0;
          long conversions = 0;
          long refunded = 0;
          long revenue = 0;
          long commission = 0;
          JsonArray byPin = new JsonArray();
          for (Row row : rows) {
            clicks += row.getLong("clicks");
            counted += row.getLong("counted");
            conversions += row.getLong("conversions");
            refunded += row.getLong("refunded");
            revenue = Math.addExact(revenue, row.getLong("revenue"));
            commission = Math.addExact(commission, row.getLong("commission"));
            byPin.add(new JsonObject()
                .put("pin_id", Ids.format(row.getLong("pin_id")))
                .put("clicks", row.getLong("clicks"))
                .put("counted_clicks", row.getLong("counted"))
                .put("conversions", row.getLong("conversions"))
                .put("revenue_minor", row.getLong("revenue"))
                .put("commission_minor", row.getLong("commission")));
          }
          return new JsonObject()
              .put("merchant_id", Ids.format(merchant.id()))
              .put("currency", merchant.currency())
              .put("clicks", clicks)
              .put("counted_clicks", counted)
              .put("conversions", conversions)
              .put("refunded_conversions", refunded)
              .put("revenue_minor", revenue)
              .put("commission_minor", commission)
              .put("by_pin", byPin);
        });
  }

  /** The pinner's share of commissions: totals per currency and the newest ledger entries. */
  public Future<JsonObject> earnings(long userId, Paging paging) {
    Future<JsonArray> totals = pool.preparedQuery("""
            SELECT l.currency,
                   coalesce(sum(l.amount_minor) FILTER (WHERE l.kind = 'commission'), 0)::bigint AS earned,
                   coalesce(-sum(l.amount_minor) FILTER (WHERE l.kind = 'refund'), 0)::bigint AS refunded,
                   coalesce(sum(l.amount_minor) FILTER (WHERE c.status = 'pending'), 0)::bigint AS pending,
                   coalesce(sum(l.amount_minor) FILTER (WHERE c.status = 'approved'), 0)::bigint AS approved,
                   sum(l.amount_minor)::bigint AS net
              FROM ledger_entries l JOIN conversions c ON c.id = l.conversion_id
             WHERE l.user_id = $1
             GROUP BY l.currency ORDER BY l.currency""")
        .execute(Tuple.of(userId))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(row -> out.add(new JsonObject()
              .put("currency", row.getString("currency"))
              .put("earned_minor", row.getLong("earned"))
              .put("refunded_minor", row.getLong("refunded"))
              .put("pending_minor", row.getLong("pending"))
              .put("approved_minor", row.getLong("approved"))
              .put("net_minor", row.getLong("net"))));
          return out;
        });
    Future<List<JsonObject>> entries = pool.preparedQuery("""
            SELECT l.id, l.conversion_id, c.pin_id, l.amount_minor, l.currency, l.kind, c.status, l.created_at
              FROM ledger_entries l JOIN conversions c ON c.id = l.conversion_id
             WHERE l.user_id = $1 AND ($2::bigint IS NULL OR l.id < $2)
             ORDER BY l.id DESC LIMIT $3""")
        .execute(Tuple.of(userId, paging.afterId(), paging.pageSize() + 1))
        .map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          rows.forEach(row -> out.add(new JsonObject()
              .put("id", Ids.format(row.getLong("id")))
              .put("conversion_id", Ids.format(row.getLong("conversion_id")))
              .put("pin_id", Ids.format(row.getLong("pin_id")))
              .put("amount_minor", row.getLong("amount_minor"))
              .put("currency", row.getString("currency"))
              .put("kind", row.getString("kind"))
              .put("status", row.getString("status"))
              .put("created_at", Times.format(row.getOffsetDateTime("created_at")))));
          return out;
        });
    return Future.all(totals, entries).map(all -> paging.page(entries.result(), e -> e, e -> e.getString("id"))
        .put("totals", totals.result()));
  }
}
