package io.pinstream.common;

/**
 * Ids travel as strings of decimal digits. They come from {@code next_id()} in PostgreSQL:
 * milliseconds since 2025-01-01 shifted left 12 bits plus a sequence, so they are time-sortable and
 * stay below 2^53 (exact in JavaScript and as Redis sorted-set scores) until about 2094.
 */
public final class Ids {
  /** 2025-01-01T00:00:00Z: the origin of {@code next_id()} (V1 migration) and of trending scores. */
  public static final long EPOCH_MILLIS = 1_735_689_600_000L;
  /** Bits of an id below its milliseconds: a per-millisecond sequence. */
  private static final int SEQUENCE_BITS = 12;

  private Ids() {
  }

  /** When the row with this id was made (milliseconds since 1970). */
  public static long createdAtMillis(long id) {
    return (id >> SEQUENCE_BITS) + EPOCH_MILLIS;
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

  /** A path segment that must be the id of an existing {@code what}; anything else is 404 {@code <what>_not_found}. */
  public static long pathId(String segment, String what) {
    Long id = parse(segment);
    if (id == null) {
      throw Problems.notFound(what + "_not_found", "No " + what.replace('_', ' ') + " with id " + segment);
    }
    return id;
  }

  public static String format(long id) {
    return Long.toString(id);
  }
}
