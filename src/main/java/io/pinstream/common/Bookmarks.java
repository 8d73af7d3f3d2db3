package io.pinstream.common;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The opaque {@code bookmark} of a list: the sort key of the last item returned (keyset paging), so
 * items arriving meanwhile can neither repeat nor push others out of view. base64url of a versioned
 * cursor, so a client cannot mistake it for an id, and a server can change cursors later.
 */
public final class Bookmarks {
  private static final String VERSION = "1:";

  private Bookmarks() {
  }

  public static String encode(String cursor) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((VERSION + cursor).getBytes(StandardCharsets.UTF_8));
  }

  /** The cursor inside a bookmark this server gave out; 400 {@code invalid_bookmark} for anything else. */
  public static String decode(String bookmark) {
    try {
      String decoded = new String(Base64.getUrlDecoder().decode(bookmark), StandardCharsets.UTF_8);
      if (decoded.startsWith(VERSION)) {
        return decoded.substring(VERSION.length());
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw invalid();
  }

  public static ServiceException invalid() {
    return Problems.badRequest("invalid_bookmark", "The bookmark is not one this server gave out");
  }
}
