package io.pinstream.live;

import io.vertx.core.json.JsonObject;

/**
 * One pin arriving or leaving, as it travels between nodes on the cluster channel: where it lives
 * (owner, board), so every node routes it to its topics without a lookup; where it stands in the
 * histories it was appended to (its board's, its owner's, and every pin's, which home replays
 * from); and for an arrival the pin itself as the encoded JSON its creator made. That text is never
 * parsed again: each topic's message is written around it, byte for byte.
 *
 * <p>On the wire: a line of positions ({@code <epoch> <offset>} for the board's, the owner's and
 * every pin's history, in that order, as {@link TopicHistory}'s publish script writes them), a
 * one-line JSON header, then (for an arrival) a line break and the pin's JSON.
 *
 * @param pin the pin's API object as JSON text; null when the pin was deleted
 */
record LiveEvent(long pinId, long ownerId, String ownerUsername, long boardId, String pin,
                 Position onBoard, Position onUser, Position onAll) {
  static final String PIN = "pin";
  static final String PIN_DELETED = "pin_deleted";

  /** Where an event stands in one topic's history: the history's epoch, and the event's offset in it. */
  record Position(String epoch, long offset) {
    /** The same epoch and no later: already covered by a client at {@code this}. */
    boolean covers(Position event) {
      return event != null && epoch.equals(event.epoch) && event.offset <= offset;
    }
  }

  /** An event not yet appended to any history (what the relay hands to the publish script). */
  LiveEvent(long pinId, long ownerId, String ownerUsername, long boardId, String pin) {
    this(pinId, ownerId, ownerUsername, boardId, pin, null, null, null);
  }

  boolean deleted() {
    return pin == null;
  }

  /** The SSE event name, and the message's "type". */
  String type() {
    return deleted() ? PIN_DELETED : PIN;
  }

  /** The header and the pin: what the publish script puts after the positions line. */
  String encodeBody() {
    String header = new JsonObject()
        .put("pin_id", Long.toString(pinId))
        .put("owner_id", Long.toString(ownerId))
        .put("owner_username", ownerUsername)
        .put("board_id", Long.toString(boardId))
        .encode(); // JSON text never holds a raw line break: the first one ends the header
    return pin == null ? header : header + '\n' + pin;
  }

  String encode() {
    return positions(onBoard) + ' ' + positions(onUser) + ' ' + positions(onAll) + '\n' + encodeBody();
  }

  private static String positions(Position p) {
    return p == null ? "- 0" : p.epoch + ' ' + p.offset;
  }

  static LiveEvent decode(String text) {
    if (text.startsWith("{")) { // from a node that predates histories (a rolling upgrade): no positions line
      return decode("- 0 - 0 - 0\n" + text);
    }
    int positionsEnd = text.indexOf('\n');
    String[] p = text.substring(0, positionsEnd).split(" ");
    int newline = text.indexOf('\n', positionsEnd + 1);
    JsonObject header = new JsonObject(newline < 0 ? text.substring(positionsEnd + 1) : text.substring(positionsEnd + 1, newline));
    return new LiveEvent(Long.parseLong(header.getString("pin_id")), Long.parseLong(header.getString("owner_id")),
        header.getString("owner_username"), Long.parseLong(header.getString("board_id")),
        newline < 0 ? null : text.substring(newline + 1), position(p, 0), position(p, 2), position(p, 4));
  }

  private static Position position(String[] p, int at) {
    return "-".equals(p[at]) ? null : new Position(p[at], Long.parseLong(p[at + 1]));
  }

  /** This event's position in the history of a subscription's topic (home: every pin's); null for trending. */
  Position positionFor(Topic.Kind kind) {
    return switch (kind) {
      case BOARD -> onBoard;
      case USER -> onUser;
      case HOME -> onAll;
      case TRENDING -> null;
    };
  }

  /**
   * The message a subscriber of {@code topic} receives: the same text on WebSocket and in SSE's
   * data, with the event's position in that topic's history when it has one. Topic names are made of
   * {@code [a-z0-9_:]} (see {@link Topic}) and epochs of {@code [0-9a-z]}: nothing to escape.
   */
  String message(String topic, Position at) {
    return deleted() ? deletedMessage(topic, pinId, at) : pinMessage(topic, at, pin);
  }

  static String deletedMessage(String topic, long pinId, Position at) {
    return "{\"type\":\"" + PIN_DELETED + "\",\"topic\":\"" + topic + "\"" + fields(at) + ",\"pin_id\":\"" + pinId + "\"}";
  }

  static String pinMessage(String topic, Position at, String pinJson) {
    return "{\"type\":\"" + PIN + "\",\"topic\":\"" + topic + "\"" + fields(at) + ",\"pin\":" + pinJson + "}";
  }

  private static String fields(Position at) {
    return at == null ? "" : ",\"epoch\":\"" + at.epoch + "\",\"offset\":" + at.offset;
  }
}
