package io.pinstream.live;

import io.vertx.core.json.JsonObject;

/**
 * One pin arriving or leaving, as it travels between nodes on the cluster channel: where it lives
 * (owner, board), so every node routes it to its topics without a lookup, and for an arrival the pin
 * itself as the encoded JSON its creator made. That text is never parsed again: each topic's message
 * is written around it, byte for byte.
 *
 * <p>On the wire: a one-line JSON header, then (for an arrival) a line break and the pin's JSON.
 *
 * @param pin the pin's API object as JSON text; null when the pin was deleted
 */
record LiveEvent(long pinId, long ownerId, String ownerUsername, long boardId, String pin) {
  static final String PIN = "pin";
  static final String PIN_DELETED = "pin_deleted";

  boolean deleted() {
    return pin == null;
  }

  /** The SSE event name, and the message's "type". */
  String type() {
    return deleted() ? PIN_DELETED : PIN;
  }

  String encode() {
    String header = new JsonObject()
        .put("pin_id", Long.toString(pinId))
        .put("owner_id", Long.toString(ownerId))
        .put("owner_username", ownerUsername)
        .put("board_id", Long.toString(boardId))
        .encode(); // JSON text never holds a raw line break: the first one ends the header
    return pin == null ? header : header + '\n' + pin;
  }

  static LiveEvent decode(String text) {
    int newline = text.indexOf('\n');
    JsonObject header = new JsonObject(newline < 0 ? text : text.substring(0, newline));
    return new LiveEvent(Long.parseLong(header.getString("pin_id")), Long.parseLong(header.getString("owner_id")),
        header.getString("owner_username"), Long.parseLong(header.getString("board_id")),
        newline < 0 ? null : text.substring(newline + 1));
  }

  /**
   * The message a subscriber of {@code topic} receives: the same text on WebSocket and in SSE's
   * data. Topic names are made of {@code [a-z0-9_:]} (see {@link Topic}): nothing to escape.
   */
  String message(String topic) {
    return deleted()
        ? "{\"type\":\"" + PIN_DELETED + "\",\"topic\":\"" + topic + "\",\"pin_id\":\"" + pinId + "\"}"
        : pinMessage(topic, pin);
  }

  static String pinMessage(String topic, String pinJson) {
    return "{\"type\":\"" + PIN + "\",\"topic\":\"" + topic + "\",\"pin\":" + pinJson + "}";
  }
}
