package io.pinstream.live;

import java.util.regex.Pattern;

/** What a client can subscribe to: {@code home}, {@code trending}, {@code board:<id>}, {@code user:<username>}. */
record Topic(Kind kind, String name, long boardId, String username) {
  enum Kind { HOME, TRENDING, BOARD, USER }

  static final String HOME = "home";
  static final String TRENDING = "trending";
  private static final Pattern BOARD = Pattern.compile("board:([1-9][0-9]{0,18})");
  private static final Pattern USER = Pattern.compile("user:([a-z0-9_]{3,30})");

  /** The topic, or null when the name is not one. */
  static Topic parse(String name) {
    if (name == null) {
      return null;
    }
    if (HOME.equals(name)) {
      return new Topic(Kind.HOME, name, 0, null);
    }
    if (TRENDING.equals(name)) {
      return new Topic(Kind.TRENDING, name, 0, null);
    }
    var board = BOARD.matcher(name);
    if (board.matches()) {
      try {
        return new Topic(Kind.BOARD, name, Long.parseLong(board.group(1)), null);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    var user = USER.matcher(name);
    return user.matches() ? new Topic(Kind.USER, name, 0, user.group(1)) : null;
  }

  static String board(long boardId) {
    return "board:" + boardId;
  }

  static String user(String username) {
    return "user:" + username;
  }
}
