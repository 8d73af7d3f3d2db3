package io.pinstream.boards;

import io.pinstream.accounts.UserRef;
import io.pinstream.common.Ids;
import io.pinstream.common.Times;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;

public record Board(long id, String name, String description, UserRef owner, int pinCount, int followerCount,
                    OffsetDateTime createdAt) {

  /** Columns read by {@link #from(Row)}, for SELECTs over {@code boards b JOIN users u ON u.id = b.owner_id}. */
  public static final String COLUMNS = "b.id, b.name, b.description, b.owner_id, u.username AS owner_username, "
      + "b.pin_count, b.follower_count, b.created_at";

  public static Board from(Row row) {
    return new Board(row.getLong("id"), row.getString("name"), row.getString("description"),
        new UserRef(row.getLong("owner_id"), row.getString("owner_username")),
        row.getInteger("pin_count"), row.getInteger("follower_count"), row.getOffsetDateTime("created_at"));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", Ids.format(id))
        .put("name", name)
        .put("description", description)
        .put("owner", owner.toJson())
        .put("pin_count", pinCount)
        .put("follower_count", followerCount)
        .put("created_at", Times.format(createdAt));
  }
}
