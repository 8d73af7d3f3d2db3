package io.pinstream.live;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.pinstream.accounts.UserRef;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

/**
 * A WebSocket subscriber. Messages go to the socket as prepared frames ({@link LiveMessage}),
 * entering netty's pipeline just below its frame encoder: no per-socket encoding, promise or
 * queue hop, which is most of what a broadcast to thousands of sockets costs besides the system
 * call. Pings, pongs and the close handshake stay with Vert.x; both paths run on the socket's event
 * loop, so they keep their order.
 */
final class WebSocketConnection extends LiveConnection {
  private static final Buffer PING = Buffer.buffer();
  private final ServerWebSocket ws;
  /** The frame encoder's context: a write from here goes to the socket (through TLS, if any). */
  private final ChannelHandlerContext frames;
  /** Netty's queue of writes the kernel has not taken yet (null if the channel was closed already). */
  private final ChannelOutboundBuffer unsent;

  WebSocketConnection(ServerWebSocket ws, UserRef user) {
    super(user);
    this.ws = ws;
    StrictWebSocket.apply(ws);
    ChannelPipeline pipeline = ((WebSocketInternal) ws).channelHandlerContext().pipeline();
    this.frames = pipeline.context(WebSocketFrameEncoder.class);
    if (frames == null) {
      throw new IllegalStateException("no WebSocket frame encoder in the pipeline of " + ws);
    }
    // The hub's heartbeat sweep decides when a live socket is idle (no pong): the HTTP server's idle
    // timer would only duplicate it, with a timer and a write listener on every frame.
    if (pipeline.get(IdleStateHandler.class) != null) {
      pipeline.remove(IdleStateHandler.class);
    }
    this.unsent = frames.channel().unsafe().outboundBuffer();
  }

  @Override
  void write(LiveMessage message) {
    if (ws.isClosed()) {
      return; // a close frame went or came: no data frame may follow it
    }
    frames.writeAndFlush(message.webSocketFrame(frames.alloc()).retainedDuplicate(), frames.voidPromise());
  }

  /** Frames handed to netty and not yet taken by the kernel. */
  @Override
  int queued() {
    return unsent == null ? 0 : unsent.size(); // a closed channel's buffer is emptied: 0, and writes are dropped
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
