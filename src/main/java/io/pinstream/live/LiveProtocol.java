package io.pinstream.live;

import io.pinstream.common.Ids;
import io.vertx.core.json.JsonObject;

/**
 * The live protocol's words: the frames clients send, parsed, and the control messages they are sent
 * (pins and deletions are {@link LiveEvent#message}). The same text goes over WebSocket and as SSE data.
 */
final class LiveProtocol {
  /** Close codes: the client read too slowly (resync), its session was revoked, it went silent, it broke the rules. */
  static final int SLOW_CONSUMER = 4008;
  static final int SESSION_REVOKED = 4003;
  static final int IDLE = 4001;
  static final int POLICY = 1008;

  private LiveProtocol() {
  }

  enum Type { PING, SUBSCRIBE, UNSUBSCRIBE }

  /**
   * One client frame. Either {@code type} is set (with {@code topic} for (un)subscribe, and {@code since}
   * when given), or the frame was refused: {@code errorCode} and {@code errorDetail} say why, and
   * {@code bad} whether it counts towards closing the connection.
   */
  record Frame(Type type, String topic, Long since, String errorCode, String errorDetail, boolean bad) {
    static Frame refused(String detail) {
      return new Frame(null, null, null, "bad_frame", detail, true);
    }
  }

  static Frame parse(String text) {
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (RuntimeException e) {
      return Frame.refused("Frames are JSON objects, e.g. {\"type\":\"subscribe\",\"topic\":\"trending\"}");
    }
    Object type = frame.getValue("type");
    Object topic = frame.getValue("topic");
    if ("ping".equals(type)) {
      return new Frame(Type.PING, null, null, null, null, false);
    }
    if (!(topic instanceof String name)) {
      return Frame.refused("A frame needs \"type\" (subscribe, unsubscribe) and \"topic\"");
    }
    if ("subscribe".equals(type)) {
      Object since = frame.getValue("since");
      Long sinceId = since == null ? null : Ids.parse(since.toString());
      if (since != null && sinceId == null) {
        return new Frame(null, name, null, "invalid_since", "since is a pin id (a string of digits)", false);
      }
      return new Frame(Type.SUBSCRIBE, name, sinceId, null, null, false);
    }
    if ("unsubscribe".equals(type)) {
      return new Frame(Type.UNSUBSCRIBE, name, null, null, null, false);
    }
    return Frame.refused("Unknown type " + type + "; use subscribe or unsubscribe");
  }

  static String pong() {
    return "{\"type\":\"pong\"}";
  }

  static String subscribed(String topic) {
    return new JsonObject().put("type", "subscribed").put("topic", topic).encode();
  }

  static String unsubscribed(String topic) {
    return new JsonObject().put("type", "unsubscribed").put("topic", topic).encode();
  }

  /** The client must read its topics again (from its feeds, or with {@code since}); topic null: all of them. */
  static String resync(String topic, String reason) {
    JsonObject message = new JsonObject().put("type", "resync");
    if (topic != null) {
      message.put("topic", topic);
    }
    return message.put("reason", reason).encode();
  }

  /** The topic could not be checked now: subscribe again after {@code retryAfterMs}. */
  static String unavailable(String topic, long retryAfterMs) {
    return new JsonObject().put("type", "error").put("code", "unavailable")
        .put("detail", "Cannot subscribe now; try again in " + retryAfterMs + " ms").put("topic", topic)
        .put("retry_after_ms", retryAfterMs).encode();
  }

  static String error(String code, String detail, String topic) {
    JsonObject error = new JsonObject().put("type", "error").put("code", code).put("detail", detail);
    if (topic != null) {
      error.put("topic", topic);
    }
    return error.encode();
  }
}
