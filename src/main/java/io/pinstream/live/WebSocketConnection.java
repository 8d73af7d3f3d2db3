package io.pinstream.live;

import io.pinstream.accounts.UserRef;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

final class WebSocketConnection extends LiveConnection {
  private static final Buffer PING = Buffer.buffer();
  private final ServerWebSocket ws;

  WebSocketConnection(ServerWebSocket ws, UserRef user) {
    super(user);
    this.ws = ws;
  }

  @Override
  void write(String event, String id, String json) {
    pending++;
    ws.writeTextMessage(json).onComplete(ar -> pending--);
  }

  @Override
  void heartbeat() {
    ws.writePing(PING);
  }

  @Override
  boolean answersPings() {
    return true;
  }

  @Override
  void close(int code, String reason) {
    closed = true;
    ws.close((short) code, reason);
  }
}
