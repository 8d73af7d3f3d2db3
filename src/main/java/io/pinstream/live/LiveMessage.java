package io.pinstream.live;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

/**
 * One message for a topic's subscribers, prepared once however many connections it goes to. Its
 * WebSocket frame is encoded a single time, off-heap, and every socket of the event loop writes a
 * view of those bytes: a broadcast to thousands of sockets costs one encoding, not thousands.
 * Confined to the event loop that dispatches it; {@link #release()} once every connection had it.
 */
final class LiveMessage {
  /** SSE's event field: pin, pin_deleted, subscribed, error, resync, ... */
  final String event;
  /** SSE's id field, the pin id; null for none. */
  final String id;
  /** The message itself: a WebSocket text frame's payload, SSE's data. */
  final String json;
  private ByteBuf frame;

  LiveMessage(String event, String id, String json) {
    this.event = event;
    this.id = id;
    this.json = json;
  }

  /**
   * The whole WebSocket text frame (RFC 6455 section 5.2: FIN, opcode 1, the payload length, no mask
   * from a server), encoded on first use. Callers write a {@code retainedDuplicate()} of it.
   */
  ByteBuf webSocketFrame(ByteBufAllocator alloc) {
    if (frame == null) {
      int length = ByteBufUtil.utf8Bytes(json);
      ByteBuf bytes = alloc.directBuffer(length + (length < 126 ? 2 : length < 65536 ? 4 : 10));
      bytes.writeByte(0x81);
      if (length < 126) {
        bytes.writeByte(length);
      } else if (length < 65536) {
        bytes.writeByte(126).writeShort(length);
      } else {
        bytes.writeByte(127).writeLong(length);
      }
      ByteBufUtil.writeUtf8(bytes, json);
      frame = bytes;
    }
    return frame;
  }

  /** Frees the encoded frame; sockets still holding a view keep the bytes until they are written. */
  void release() {
    if (frame != null) {
      frame.release();
      frame = null;
    }
  }
}
