package io.pinstream.pins;

import io.pinstream.accounts.UserRef;
import io.pinstream.common.Ids;
import io.pinstream.common.Times;
import io.pinstream.media.Media;
import io.pinstream.media.MediaUrls;
import io.pinstream.shop.Product;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;

/** A pin with its owner and media, as the API shows it. */
public record Pin(long id, OffsetDateTime createdAt, long boardId, UserRef owner, String title, String description,
                  String link, String altText, Media media, Long parentPinId, int saveCount, int clickCount,
                  Product product) {

  /**
   * Read by {@link #from(Row)}, over {@code p} (pins) joined with {@code u} (its owner) and {@code m}
   * (its media); media columns are prefixed "media_" (see {@link Media#from(Row, String)}).
   */
  public static final String COLUMNS = """
      p.id, p.created_at, p.board_id, p.owner_id, u.username AS owner_username, p.title, p.description,
             p.link, p.alt_text, p.parent_pin_id, p.save_count, p.click_count,
             m.id AS media_id, m.sha256 AS media_sha256, m.format AS media_format, m.bytes AS media_bytes,
             m.width AS media_width, m.height AS media_height, m.status AS media_status, m.images AS media_images,
             m.dominant_color AS media_dominant_color, m.failure_code AS media_failure_code,
      """ + Product.PIN_COLUMNS;
  /** Joins a pin's owner, media and product to {@code p}. */
  public static final String JOINS = " JOIN users u ON u.id = p.owner_id JOIN media m ON m.id = p.media_id "
      + Product.PIN_JOIN;
  public static final String SELECT = "SELECT " + COLUMNS + " FROM pins p" + JOINS;

  public static Pin from(Row row) {
    return new Pin(row.getLong("id"), row.getOffsetDateTime("created_at"), row.getLong("board_id"),
        new UserRef(row.getLong("owner_id"), row.getString("owner_username")), row.getString("title"),
        row.getString("description"), row.getString("link"), row.getString("alt_text"), Media.from(row, "media_"),
        row.getLong("parent_pin_id"), row.getInteger("save_count"), row.getInteger("click_count"), Product.from(row));
  }

  /** The API object; encoded only through {@link PinEncoder}. */
  JsonObject toJson(MediaUrls imageUrls) {
    JsonObject json = new JsonObject()
        .put("id", Ids.format(id))
        .put("created_at", Times.format(createdAt))
        .put("board_id", Ids.format(boardId))
        .put("owner", owner.toJson())
        .put("title", title)
        .put("description", description)
        .put("link", link)
        .put("alt_text", altText)
        .put("media", media.toPinJson(imageUrls))
        .put("parent_pin_id", parentPinId == null ? null : Ids.format(parentPinId))
        .put("save_count", saveCount)
        .put("click_count", clickCount);
    if (product != null) {
      json.put("product", product.toJson());
    }
    return json;
  }
}
