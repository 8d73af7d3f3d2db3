package io.pinstream.accounts;

import io.pinstream.common.Ids;
import io.pinstream.common.Times;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;

/** A public profile, as {@code GET /api/v1/users/{username}} shows it. */
public record User(long id, String username, String displayName, int followerCount, int followingCount,
                   int pinCount, OffsetDateTime createdAt) {

  /** The columns {@link #from(Row)} reads, for SELECTs over {@code users u}. */
  public static final String COLUMNS =
      "u.id, u.username, u.display_name, u.follower_count, u.following_count, u.pin_count, u.created_at";

  public static User from(Row row) {
    return new User(row.getLong("id"), row.getString("username"), row.getString("display_name"),
        row.getInteger("follower_count"), row.getInteger("following_count"), row.getInteger("pin_count"),
        row.getOffsetDateTime("created_at"));
  }

  public UserRef ref() {
    return new UserRef(id, username);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", Ids.format(id))
        .put("username", username)
        .put("display_name", displayName)
        .put("follower_count", followerCount)
        .put("following_count", followingCount)
        .put("pin_count", pinCount)
        .put("created_at", Times.format(createdAt));
  }
}
