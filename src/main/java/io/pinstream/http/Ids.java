package io.pinstream.http;

/**
 * Ids travel as strings of decimal digits. They come from {@code next_id()} in PostgreSQL:
 * milliseconds since 2025-01-01 shifted left 12 bits plus a sequence, so they are time-sortable and
 * stay below 2^53 (exact in JavaScript and as Redis sorted-set scores) until about 2094.
 */
public final class Ids {
  private Ids() {
  }

  /** The id, or null when the text is not one (so callers can answer 404 or 422 as fits). */
  public static Long parse(String text) {
    if (text == null || text.isEmpty() || text.length() > 16) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
    }
    return Long.parseLong(text);
  }

  /** A path parameter that must be an id of an existing {@code what}; anything else is 404. */
  public static long pathId(io.vertx.ext.web.RoutingContext ctx, String param, String what) {
    Long id = parse(ctx.pathParam(param));
    if (id == null) {
      throw Problems.notFound(what + "_not_found", "No " + what.replace('_', ' ') + " with id " + ctx.pathParam(param));
    }
    return id;
  }

  public static String format(long id) {
    return Long.toString(id);
  }
}
