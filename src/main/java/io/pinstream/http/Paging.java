package io.pinstream.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * {@code page_size} (1..100, default 25) and an opaque {@code bookmark}. Keyset paging: a bookmark
 * holds the sort key of the last item returned, so items arriving meanwhile (newer, larger keys)
 * can neither repeat nor push others out of view.
 */
public record Paging(int pageSize, String cursor) {
  public static final int DEFAULT_SIZE = 25;
  public static final int MAX_SIZE = 100;
  private static final String VERSION = "1:";

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
    String cursor = null;
    if (bookmark != null && !bookmark.isEmpty()) {
      try {
        String decoded = new String(Base64.getUrlDecoder().decode(bookmark), StandardCharsets.UTF_8);
        if (!decoded.startsWith(VERSION)) {
          throw new IllegalArgumentException();
        }
        cursor = decoded.substring(VERSION.length());
      } catch (IllegalArgumentException e) {
        throw Problems.badRequest("invalid_bookmark", "The bookmark is not one this server gave out");
      }
    }
    return new Paging(size, cursor);
  }

  /** The cursor as an id (the common case: lists ordered by a time-sortable id, newest first). */
  public Long afterId() {
    if (cursor == null) {
      return null;
    }
    Long id = Ids.parse(cursor);
    if (id == null) {
      throw Problems.badRequest("invalid_bookmark", "The bookmark is not one this server gave out");
    }
    return id;
  }

  public static String bookmark(String cursor) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((VERSION + cursor).getBytes(StandardCharsets.UTF_8));
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
    String next = more ? bookmark(cursorOf.apply(items.get(items.size() - 1))) : null;
    return new JsonObject().put("items", array).put("bookmark", next);
  }
}
