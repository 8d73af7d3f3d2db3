package io.pinstream.live;

import io.vertx.core.http.ServerWebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;

/**
 * Gives a live WebSocket's Vert.x connection the direct outbound queue that strict thread mode gives
 * an HTTP/1 connection. Vert.x 5.0.7 builds every WebSocket connection with a thread-safe queue
 * instead (netty's MPSC queue, whose first chunk is a 1,025-slot array created at once): 4.8 KB of
 * heap per idle connection, about half of what a live connection holds, for writes that here all
 * happen on the connection's own event loop anyway (pings, pongs and the close; messages bypass
 * Vert.x, see {@link WebSocketConnection}). There is no option for it, so the field is set by
 * reflection; if Vert.x changes shape, the connection keeps its queue and this says so once.
 */
final class StrictWebSocket {
  private static final Logger log = LoggerFactory.getLogger(StrictWebSocket.class);
  private static final Field CONNECTION;
  private static final Field QUEUE;
  private static final Constructor<?> DIRECT;

  static {
    Field connection = null;
    Field queue = null;
    Constructor<?> direct = null;
    try {
      Class<?> webSocket = Class.forName("io.vertx.core.http.impl.WebSocketImplBase");
      Class<?> vertxConnection = Class.forName("io.vertx.core.net.impl.VertxConnection");
      connection = webSocket.getDeclaredField("conn");
      queue = vertxConnection.getDeclaredField("outboundMessageQueue");
      direct = Class.forName("io.vertx.core.net.impl.VertxConnection$DirectOutboundMessageQueue")
          .getDeclaredConstructor(vertxConnection);
      connection.setAccessible(true);
      queue.setAccessible(true);
      direct.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn("live WebSockets keep Vert.x's thread-safe outbound queue (4.8 KB each): {}", e.toString());
      connection = null;
    }
    CONNECTION = connection;
    QUEUE = queue;
    DIRECT = direct;
  }

  private StrictWebSocket() {
  }

  /**
   * True when the socket's connection now writes directly. Call on its event loop once the handshake
   * was accepted: writes still queued before that would be lost with the old queue.
   */
  static boolean apply(ServerWebSocket ws) {
    if (CONNECTION == null || !CONNECTION.getDeclaringClass().isInstance(ws)) {
      return false;
    }
    try {
      Object connection = CONNECTION.get(ws);
      Object current = QUEUE.get(connection);
      if (current != null && !DIRECT.getDeclaringClass().isInstance(current)) {
        QUEUE.set(connection, DIRECT.newInstance(connection));
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("live WebSocket keeps its outbound queue: {}", e.toString());
      return false;
    }
  }
}
