package io.pinstream.live;

import io.vertx.core.json.JsonObject;

/**
 * One pin arriving or leaving, as it travels between nodes: enough to route it to every topic
 * (owner, board) without a lookup on the receiving node, and the pin itself, hydrated once.
 *
 * @param pin the pin object for {@code pin}; null for {@code pin_deleted}
 */
record LiveEvent(String type, long pinId, long ownerId, String ownerUsername, long boardId, JsonObject pin) {
  static final String PIN = "pin";
  static final String PIN_DELETED = "pin_deleted";

  boolean deleted() {
    return PIN_DELETED.equals(type);
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("type", type)
        .put("pin_id", Long.toString(pinId))
        .put("owner_id", Long.toString(ownerId))
        .put("owner_username", ownerUsername)
        .put("board_id", Long.toString(boardId))
        .put("pin", pin);
  }

  static LiveEvent fromJson(JsonObject json) {
    return new LiveEvent(json.getString("type"), Long.parseLong(json.getString("pin_id")),
        Long.parseLong(json.getString("owner_id")), json.getString("owner_username"),
        Long.parseLong(json.getString("board_id")), json.getJsonObject("pin"));
  }

  static String pinMessage(String topic, JsonObject pin) {
    return new JsonObject().put("type", PIN).put("topic", topic).put("pin", pin).encode();
  }

  /** The message a subscriber of {@code topic} receives: the same text on WebSocket and in SSE's data. */
  String message(String topic) {
    JsonObject message = new JsonObject().put("type", type).put("topic", topic);
    return (deleted() ? message.put("pin_id", Long.toString(pinId)) : message.put("pin", pin)).encode();
  }
}
