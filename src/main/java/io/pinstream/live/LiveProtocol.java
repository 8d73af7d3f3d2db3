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
  record Frame(Type type, String topic, Long since, LiveEvent.Position from, String errorCode, String errorDetail,
               boolean bad) {
    static Frame refused(String detail) {
      return new Frame(null, null, null, null, "bad_frame", detail, true);
    }

    static Frame wrong(String topic, String code, String detail) {
      return new Frame(null, topic, null, null, code, detail, false);
    }
  }

  private static final java.util.regex.Pattern EPOCH = java.util.regex.Pattern.compile("[0-9a-z]{1,16}");

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
      return new Frame(Type.PING, null, null, null, null, null, false);
    }
    if (!(topic instanceof String name)) {
      return Frame.refused("A frame needs \"type\" (subscribe, unsubscribe) and \"topic\"");
    }
    if ("subscribe".equals(type)) {
      Object since = frame.getValue("since");
      Long sinceId = since == null ? null : Ids.parse(since.toString());
      if (since != null && sinceId == null) {
        return Frame.wrong(name, "invalid_since", "since is a pin id (a string of digits)");
      }
      Object epoch = frame.getValue("epoch");
      Object offset = frame.getValue("offset");
      LiveEvent.Position from = null;
      if (epoch != null || offset != null) {
        Long at = offset instanceof Number n && n.doubleValue() == n.longValue() ? Long.valueOf(n.longValue())
            : offset instanceof String digits && digits.matches("[0-9]{1,18}") ? Long.valueOf(digits) : null;
        if (!(epoch instanceof String e) || !EPOCH.matcher(e).matches() || at == null || at < 0) {
          return Frame.wrong(name, "invalid_offset",
              "epoch and offset come together, as the topic's last message carried them (offset: an integer >= 0)");
        }
        from = new LiveEvent.Position(e, at);
      }
      return new Frame(Type.SUBSCRIBE, name, sinceId, from, null, null, false);
    }
    if ("unsubscribe".equals(type)) {
      return new Frame(Type.UNSUBSCRIBE, name, null, null, null, null, false);
    }
    return Frame.refused("Unknown type " + type + "; use subscribe or unsubscribe");
  }

  static String pong() {
    return "{\"type\":\"pong\"}";
  }

  static String subscribed(String topic) {
    return new JsonObject().put("type", "subscribed").put("topic", topic).encode();
  }

  /**
   * Subscribed, at {@code at} in the topic's history (null: no position, e.g. Redis away): a client
   * that reconnects with this epoch and offset misses nothing published after. {@code recovered}
   * (when the client asked to resume) says whether what it missed follows; if false a resync follows.
   */
  static String subscribed(String topic, LiveEvent.Position at, Boolean recovered) {
    JsonObject message = new JsonObject().put("type", "subscribed").put("topic", topic);
    if (at != null) {
      message.put("epoch", at.epoch()).put("offset", at.offset());
    }
    if (recovered != null) {
      message.put("recovered", recovered);
    }
    return message.encode();
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
