package io.pinstream.live;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.pinstream.accounts.UserRef;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

import java.io.IOException;

/**
 * A WebSocket subscriber. Messages go to the socket as prepared frames ({@link LiveMessage}): when
 * netty holds nothing of this socket's, straight to the kernel with one send(2) of the shared
 * frame's bytes (a native transport, no TLS); otherwise into netty's pipeline just below its frame encoder, behind
 * what it holds. No per-socket encoding, promise or queue hop either way, which is most of what a
 * broadcast to thousands of sockets costs besides the system call. Pings take the same way, one
 * shared frame; pongs and the close handshake stay with Vert.x. Everything runs on the socket's
 * event loop, so the frames keep their order.
 */
final class WebSocketConnection extends LiveConnection {
  /**
   * An empty ping frame (FIN, opcode 9, no payload), shared by every socket and never freed: a node
   * pings each of its sockets every {@code live.ping_seconds}, and through Vert.x each ping was a
   * frame object, an encoding and a netty write of its own.
   */
  private static final ByteBuf PING = Unpooled.unreleasableBuffer(Unpooled.directBuffer(2).writeByte(0x89).writeByte(0));
  private final ServerWebSocket ws;
  /** The frame encoder's context: a write from here goes to the socket (through TLS, if any). */
  private final ChannelHandlerContext frames;
  /** Netty's queue of writes the kernel has not taken yet (null if the channel was closed already). */
  private final ChannelOutboundBuffer unsent;
  /** The socket itself, for writes that go straight to the kernel; null when not a native transport's or behind TLS. */
  private final Socket socket;

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
    this.socket = frames.channel() instanceof UnixChannel unix && pipeline.get(SslHandler.class) == null
        && unix.fd() instanceof Socket s ? s : null;
  }

  @Override
  void write(LiveMessage message) {
    if (ws.isClosed()) {
      return; // a close frame went or came: no data frame may follow it
    }
    send(message.webSocketFrame(frames.alloc()));
  }

  /** Writes a whole frame shared with other sockets (read, never changed or released here). */
  private void send(ByteBuf frame) {
    int written = 0;
    if (socket != null && unsent != null && unsent.totalPendingWriteBytes() == 0 && frame.hasMemoryAddress()) {
      // Nothing of this socket's is waiting in netty: the frame's bytes go to the kernel right here,
      // one send(2), with no per-socket buffer view, queue entry or promise, which is what a broadcast
      // to thousands of sockets otherwise allocates (and G1 then tracks) for each of them.
      try {
        written = socket.sendAddress(frame.memoryAddress(), frame.readerIndex(), frame.writerIndex());
      } catch (IOException e) {
        written = 0; // netty's write below meets the same error and closes the channel its usual way
      }
      if (written >= frame.readableBytes()) {
        return;
      }
    }
    // The socket's buffer is full or netty holds earlier writes (a ping, a rest): behind them, in order.
    frames.writeAndFlush(written == 0 ? frame.retainedDuplicate()
        : frame.retainedSlice(frame.readerIndex() + written, frame.readableBytes() - written), frames.voidPromise());
  }

  /** Frames handed to netty and not yet taken by the kernel. */
  @Override
  int queued() {
    return unsent == null ? 0 : unsent.size(); // a closed channel's buffer is emptied: 0, and writes are dropped
  }

  @Override
  void heartbeat() {
    if (!ws.isClosed()) {
      send(PING);
    }
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
