package io.pinstream.pins;

import io.pinstream.common.Problems;
import io.pinstream.shop.Product;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;


/** Pins; board, owner and save counters move in the same statement as the pin row. */
public final class PinStore {
  /** The columns {@link #edit} may set: a pin's words and link, never its board, owner or media. */
  private static final Set<String> EDITABLE = Set.of("title", "description", "alt_text", "link");
  private final SqlClient pool;

  public PinStore(SqlClient pool) {
    this.pool = pool;
  }

  /** The fields a new pin (or a save of one) is made of. */
  public record NewPin(long boardId, long ownerId, long mediaId, String title, String description, String link,
                       String altText, Long parentPinId, Product product) {
  }

  /**
   * Inserts the pin with its fan-out outbox row, and returns it as the API shows it: no second read.
   * A save of a pin to a board that already holds a save of it inserts nothing and returns null
   * (one save per pin and board, see {@link #saveOf}).
   */
  public Future<Pin> insert(NewPin pin, Buffer creationKey) {
    Product product = pin.product();
    return pool.preparedQuery("""
            WITH p AS (
              INSERT INTO pins (board_id, owner_id, media_id, title, description, link, alt_text, parent_pin_id,
                                merchant_id, product_id, creation_key)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
              -- a second save to the same board, or a retry of a creation that committed: nothing new
              ON CONFLICT DO NOTHING
              RETURNING *),
            board_count AS (UPDATE boards SET pin_count = pin_count + 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM p)),
            owner_count AS (UPDATE users SET pin_count = pin_count + 1 WHERE id = $2 AND EXISTS (SELECT 1 FROM p)),
            save_count AS (UPDATE pins SET save_count = save_count + 1 WHERE id = $8 AND EXISTS (SELECT 1 FROM p)),
            outbox AS (INSERT INTO feed_outbox (pin_id, action) SELECT id, 'add' FROM p)
            SELECT""" + " " + Pin.COLUMNS + " FROM p" + Pin.JOINS)
        .execute(Tuple.from(new Object[]{pin.boardId(), pin.ownerId(), pin.mediaId(), pin.title(), pin.description(),
            pin.link(), pin.altText(), pin.parentPinId(),
            product == null ? null : product.merchantId(), product == null ? null : product.id(), creationKey}))
        .map(rows -> rows.size() == 0 ? null : Pin.from(rows.iterator().next()));
  }

  /** The pin made by the creating request with this creation key ({@code web.IdempotencyKeys}), or null. */
  public Future<Pin> createdWith(Buffer creationKey) {
    return pool.preparedQuery(Pin.SELECT + " WHERE p.creation_key = $1 AND p.deleted_at IS NULL")
        .execute(Tuple.of(creationKey))
        .map(rows -> rows.size() == 0 ? null : Pin.from(rows.iterator().next()));
  }

  /** The save of {@code parentPinId} on {@code boardId}, or null. */
  public Future<Pin> saveOf(long boardId, long parentPinId) {
    return pool.preparedQuery(Pin.SELECT + " WHERE p.board_id = $1 AND p.parent_pin_id = $2 AND p.deleted_at IS NULL")
        .execute(Tuple.of(boardId, parentPinId))
        .map(rows -> rows.size() == 0 ? null : Pin.from(rows.iterator().next()));
  }

  public Future<Pin> get(long id) {
    return pool.preparedQuery(Pin.SELECT + " WHERE p.id = $1 AND p.deleted_at IS NULL")
        .execute(Tuple.of(id))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(Problems.notFound("pin_not_found", "No pin with id " + id))
            : Future.succeededFuture(Pin.from(rows.iterator().next())));
  }

  /**
   * Sets the pin's text fields named in {@code changes} (title, description, alt_text, link; null
   * clears one) and returns it as the API shows it; fails 404 when it is gone. Its search row follows
   * in the same transaction (V15's trigger).
   */
  public Future<Pin> edit(long id, Map<String, String> changes) {
    List<String> sets = new ArrayList<>();
    List<Object> values = new ArrayList<>(List.of(id));
    changes.forEach((column, value) -> {
      if (!EDITABLE.contains(column)) {
        throw new IllegalArgumentException("not an editable column: " + column);
      }
      values.add(value);
      sets.add(column + " = $" + values.size());
    });
    return pool.preparedQuery("WITH p AS (UPDATE pins SET " + String.join(", ", sets)
            + " WHERE id = $1 AND deleted_at IS NULL RETURNING *) SELECT " + Pin.COLUMNS + " FROM p" + Pin.JOINS)
        .execute(Tuple.from(values))
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
            u AS (UPDATE users SET pin_count = pin_count - 1 WHERE id = (SELECT owner_id FROM p)),
            o AS (INSERT INTO feed_outbox (pin_id, action) SELECT $1, 'remove' FROM p ON CONFLICT DO NOTHING)
            SELECT count(*) FROM p""")
        .execute(Tuple.of(id))
        .map(rows -> rows.iterator().next().getLong(0) > 0);
  }
}
