package io.pinstream.live;

import io.pinstream.accounts.UserRef;

import java.util.ArrayList;
import java.util.List;

/**
 * One browser's live connection, WebSocket or SSE. Confined to its hub's event loop, so its state is
 * plain fields; it holds no buffer of its own (the queue is the transport's, bounded through {@link #queued()}).
 */
abstract class LiveConnection {
  final UserRef user;
  /** The fingerprint of the session the connection was opened with (null: anonymous). */
  String session;
  final List<Subscription> subscriptions = new ArrayList<>(2);
  long lastSeen = System.currentTimeMillis();
  long lastPing = lastSeen;
  int badFrames;
  /** Frames received in the current second ({@code frameSecond}), for the per-connection pace limit. */
  long frameSecond;
  int framesThisSecond;
  boolean closed;
  /** One of the node's own warm-up sockets ({@link LiveWarmUp}): it may subscribe to the warm-up topic, and what it gets is not counted. */
  boolean warmUp;

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

  /** Writes one message (on the connection's event loop, like everything here). */
  abstract void write(LiveMessage message);

  /** Messages written and not yet taken by the socket: the hub's measure of a slow consumer. */
  abstract int queued();

  /** A WebSocket ping, an SSE comment. */
  abstract void heartbeat();

  /** Whether silence from the client means it is gone (WebSocket answers pings; SSE cannot). */
  abstract boolean answersPings();

  abstract void close(int code, String reason);
}
