package io.pinstream.pins;

import io.pinstream.http.Problems;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/** Pins; board, owner and save counters move in the same statement as the pin row. */
public final class PinStore {
  private final Pool pool;

  public PinStore(Pool pool) {
    this.pool = pool;
  }

  /** The fields a new pin (or a save of one) is made of. */
  public record NewPin(long boardId, long ownerId, long mediaId, String title, String description, String link,
                       String altText, Long parentPinId, Product product) {
  }

  public Future<Pin> create(NewPin pin) {
    Product product = pin.product();
    return pool.preparedQuery("""
            WITH p AS (
              INSERT INTO pins (board_id, owner_id, media_id, title, description, link, alt_text, parent_pin_id,
                                merchant_id, price_minor, currency, availability)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id),
            b AS (UPDATE boards SET pin_count = pin_count + 1 WHERE id = $1),
            u AS (UPDATE users SET pin_count = pin_count + 1 WHERE id = $2),
            s AS (UPDATE pins SET save_count = save_count + 1 WHERE id = $8)
            SELECT id FROM p""")
        .execute(Tuple.from(new Object[]{pin.boardId(), pin.ownerId(), pin.mediaId(), pin.title(), pin.description(),
            pin.link(), pin.altText(), pin.parentPinId(),
            product == null ? null : product.merchantId(), product == null ? null : product.priceMinor(),
            product == null ? null : product.currency(), product == null ? null : product.availability()}))
        .compose(rows -> get(rows.iterator().next().getLong(0)));
  }

  public Future<Pin> get(long id) {
    return pool.preparedQuery(Pin.SELECT + " WHERE p.id = $1 AND p.deleted_at IS NULL")
        .execute(Tuple.of(id))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(Problems.notFound("pin_not_found", "No pin with id " + id))
            : Future.succeededFuture(Pin.from(rows.iterator().next())));
  }

  /** Soft-deletes the pin and moves the counters back; false when it was already gone. */
  public Future<Boolean> delete(long id) {
    return pool.preparedQuery("""
            WITH p AS (UPDATE pins SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL
                       RETURNING board_id, owner_id),
            b AS (UPDATE boards SET pin_count = pin_count - 1 WHERE id = (SELECT board_id FROM p)),
            u AS (UPDATE users SET pin_count = pin_count - 1 WHERE id = (SELECT owner_id FROM p))
            SELECT count(*) FROM p""")
        .execute(Tuple.of(id))
        .map(rows -> rows.iterator().next().getLong(0) > 0);
  }

  public Future<List<Pin>> byBoard(long boardId, Long before, int limit) {
    return list("p.board_id", boardId, before, limit);
  }

  public Future<List<Pin>> byOwner(long ownerId, Long before, int limit) {
    return list("p.owner_id", ownerId, before, limit);
  }

  private Future<List<Pin>> list(String column, long value, Long before, int limit) {
    return pool.preparedQuery(Pin.SELECT + " WHERE " + column + " = $1 AND p.deleted_at IS NULL"
            + " AND ($2::bigint IS NULL OR p.id < $2) ORDER BY p.id DESC LIMIT $3")
        .execute(Tuple.of(value, before, limit))
        .map(PinStore::pins);
  }

  static List<Pin> pins(RowSet<Row> rows) {
    List<Pin> out = new ArrayList<>(rows.size());
    rows.forEach(row -> out.add(Pin.from(row)));
    return out;
  }
}
