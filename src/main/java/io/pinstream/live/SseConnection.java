package io.pinstream.live;

import io.pinstream.accounts.UserRef;
import io.vertx.core.http.HttpServerResponse;

/** Server-Sent Events: {@code event: pin}, {@code id: <pin id>}, {@code data: <the WebSocket message>}. */
final class SseConnection extends LiveConnection {
  private final HttpServerResponse response;
  /** Messages handed to the response and not yet written to the socket. */
  private int pending;

  SseConnection(HttpServerResponse response, UserRef user) {
    super(user);
    this.response = response;
  }

  @Override
  void write(LiveMessage message) {
    StringBuilder b = new StringBuilder(message.json.length() + 40).append("event: ").append(message.event).append('\n');
    if (message.id != null) {
      b.append("id: ").append(message.id).append('\n');
    }
    b.append("data: ").append(message.json).append("\n\n");
    pending++;
    response.write(b.toString()).onComplete(ar -> pending--);
  }

  @Override
  int queued() {
    return pending;
  }

  @Override
  void heartbeat() {
    response.write(": heartbeat\n\n");
  }

  @Override
  boolean answersPings() {
    return false;
  }

  @Override
  void close(int code, String reason) {
    closed = true;
    // EventSource reconnects by itself after an end. A slow reader may never read the end: its
    // connection is dropped at once instead, so its unread queue is freed.
    if (code == LiveProtocol.SLOW_CONSUMER) {
      response.reset();
    } else {
      response.end();
    }
  }
}
