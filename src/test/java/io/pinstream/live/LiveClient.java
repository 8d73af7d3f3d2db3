package io.pinstream.live;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A browser's view of /api/v1/live for tests: every message it receives, in order. */
final class LiveClient implements AutoCloseable {
  private final WebSocketClient client;
  private final WebSocket ws;
  private final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
  volatile Short closeCode;

  private LiveClient(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(messages::add);
    ws.closeHandler(v -> closeCode = ws.closeStatusCode() == null ? -1 : ws.closeStatusCode());
  }

  static LiveClient connect(Vertx vertx, int port, String token) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
        .setMaxMessageSize(1 << 20));
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/api/v1/live");
    if (token != null) {
      options.addHeader("Authorization", "Bearer " + token);
    }
    return new LiveClient(client, await(client.connect(options)));
  }

  static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.await(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer within 10 s", e);
    }
  }

  WebSocket ws() {
    return ws;
  }

  void send(JsonObject frame) {
    await(ws.writeTextMessage(frame.encode()));
  }

  /** Subscribes and waits for the confirmation. */
  LiveClient subscribe(String topic) {
    subscribed(new JsonObject().put("type", "subscribe").put("topic", topic));
    return this;
  }

  /** Sends a subscribe frame and returns its confirmation (with the topic's epoch and offset, when it has a history). */
  JsonObject subscribed(JsonObject frame) {
    send(frame);
    JsonObject answer = next();
    assertThat(answer.getString("type")).as(answer.encode()).isEqualTo("subscribed");
    assertThat(answer.getString("topic")).isEqualTo(frame.getString("topic"));
    return answer;
  }

  JsonObject next() {
    return new JsonObject(nextText());
  }

  /** The next message within {@code ms}, or null. */
  JsonObject nextOrNull(long ms) {
    try {
      String m = messages.poll(ms, TimeUnit.MILLISECONDS);
      return m == null ? null : new JsonObject(m);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The next message exactly as it came (the text frame's payload). */
  String nextText() {
    try {
      String m = messages.poll(10, TimeUnit.SECONDS);
      assertThat(m).as("a message within 10 s").isNotNull();
      return m;
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The next {@code n} pin ids, asserting every message is a pin on {@code topic}. */
  List<String> pins(String topic, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      JsonObject m = next();
      assertThat(m.getString("type")).as(m.encode()).isEqualTo("pin");
      assertThat(m.getString("topic")).isEqualTo(topic);
      ids.add(m.getJsonObject("pin").getString("id"));
    }
    return ids;
  }

  /** Nothing more arrives within {@code ms}. */
  void assertQuiet(long ms) {
    try {
      String m = messages.poll(ms, TimeUnit.MILLISECONDS);
      assertThat(m).as("no further message").isNull();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    ws.close();
    client.close();
  }
}
