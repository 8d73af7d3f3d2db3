package io.pinstream.live;

import io.pinstream.accounts.UserRef;

import java.util.ArrayList;
import java.util.List;

/**
 * One browser's live connection, WebSocket or SSE. Confined to its hub's event loop, so its state is
 * plain fields; it holds no buffer of its own (the queue is the transport's, bounded by {@link #pending}).
 */
abstract class LiveConnection {
  final UserRef user;
  /** The fingerprint of the session the connection was opened with (null: anonymous). */
  String session;
  final List<Subscription> subscriptions = new ArrayList<>(2);
  /** Messages handed to the transport and not yet written to the socket. */
  int pending;
  long lastSeen = System.currentTimeMillis();
  long lastPing = lastSeen;
  int badFrames;
  boolean closed;

  LiveConnection(UserRef user) {
    this.user = user;
  }

  Subscription subscription(String topic) {
    for (Subscription s : subscriptions) {
      if (s.topic.name().equals(topic)) {
        return s;
      }
    }
    return null;
  }

  /** Writes one message; {@code event} and {@code id} are SSE's fields (id null: none). */
  abstract void write(String event, String id, String json);

  /** A WebSocket ping, an SSE comment. */
  abstract void heartbeat();

  /** Whether silence from the client means it is gone (WebSocket answers pings; SSE cannot). */
  abstract boolean answersPings();

  abstract void close(int code, String reason);
}
