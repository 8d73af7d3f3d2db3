package io.pinstream.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand-encoded frame against netty's own WebSocket decoder, at each length encoding. */
class LiveMessageTest {

  @ParameterizedTest(name = "{0} characters")
  @ValueSource(ints = {0, 125, 126, 65_535, 65_536, 200_000})
  @DisplayName("a prepared frame is one unmasked text frame that a WebSocket decoder reads back as the message")
  void framesDecode(int length) {
    String json = "{\"t\":\"" + "é".repeat(Math.max(0, length - 8) / 2) + "\"}"; // two UTF-8 bytes a char
    LiveMessage message = new LiveMessage("pin", "1", json);
    ByteBuf frame = message.webSocketFrame(PooledByteBufAllocator.DEFAULT);

    // A client's decoder: server frames are unmasked, so masking is not expected.
    EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(
        WebSocketDecoderConfig.newBuilder().expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
    client.writeInbound(frame.retainedDuplicate());
    TextWebSocketFrame decoded = client.readInbound();
    try {
      assertThat(decoded.isFinalFragment()).isTrue();
      assertThat(decoded.text()).isEqualTo(json);
      assertThat((Object) client.readInbound()).isNull();
    } finally {
      decoded.release();
      client.finishAndReleaseAll();
    }
    message.release();
    assertThat(frame.refCnt()).isZero();
  }

  @Test
  @DisplayName("the frame is encoded once, and views written to sockets keep the bytes after the message is released")
  void encodedOnceAndShared() {
    LiveMessage message = new LiveMessage("pin", "1", "{\"type\":\"pin\"}");
    ByteBuf frame = message.webSocketFrame(PooledByteBufAllocator.DEFAULT);
    assertThat(message.webSocketFrame(PooledByteBufAllocator.DEFAULT)).isSameAs(frame);
    ByteBuf pendingOnASocket = frame.retainedDuplicate();
    message.release();
    assertThat(pendingOnASocket.refCnt()).isPositive();
    assertThat(pendingOnASocket.getByte(0)).isEqualTo((byte) 0x81);
    pendingOnASocket.release();
    assertThat(frame.refCnt()).isZero();
  }
}
