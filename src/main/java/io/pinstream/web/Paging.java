package io.pinstream.web;

import io.pinstream.common.Bookmarks;
import io.pinstream.common.Ids;
import io.pinstream.common.Problems;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.function.Function;

/**
 * The paging parameters of a list request: {@code page_size} (1..100, default 25) and an opaque
 * {@code bookmark} ({@link Bookmarks}).
 */
public record Paging(int pageSize, String cursor) {
  public static final int DEFAULT_SIZE = 25;
  public static final int MAX_SIZE = 100;

  public static Paging of(RoutingContext ctx) {
    String sizeParam = ctx.queryParams().get("page_size");
    int size = DEFAULT_SIZE;
    if (sizeParam != null) {
      Long parsed = Ids.parse(sizeParam);
      if (parsed == null || parsed < 1 || parsed > MAX_SIZE) {
        throw Problems.invalid("page_size", "must be a whole number from 1 to " + MAX_SIZE);
      }
      size = parsed.intValue();
    }
    String bookmark = ctx.queryParams().get("bookmark");
    String cursor = bookmark == null || bookmark.isEmpty() ? null : Bookmarks.decode(bookmark);
    return new Paging(size, cursor);
  }

  /** The cursor as an id (the common case: lists ordered by a time-sortable id, newest first). */
  public Long afterId() {
    if (cursor == null) {
      return null;
    }
    Long id = Ids.parse(cursor);
    if (id == null) {
      throw Bookmarks.invalid();
    }
    return id;
  }

  /**
   * Builds {@code {items, bookmark}} from up to {@code pageSize + 1} rows: the extra row only tells
   * that another page exists.
   */
  public <T> JsonObject page(List<T> rows, Function<T, JsonObject> toJson, Function<T, String> cursorOf) {
    boolean more = rows.size() > pageSize;
    List<T> items = more ? rows.subList(0, pageSize) : rows;
    JsonArray array = new JsonArray();
    items.forEach(item -> array.add(toJson.apply(item)));
    String next = more ? Bookmarks.encode(cursorOf.apply(items.get(items.size() - 1))) : null;
    return new JsonObject().put("items", array).put("bookmark", next);
  }
}
