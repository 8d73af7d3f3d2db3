package io.pinstream.media;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/**
 * Small unsynchronised buffered reader over a file channel: big-/little-endian reads, cheap skips (a seek, so
 * skipping a 100 MB metadata chunk costs nothing) and bulk copies. Used by the header probe and the stripper.
 */
final class ByteReader {
  private final SeekableByteChannel channel;
  private final ByteBuffer buf;
  private long bufStart; // file position of buf index 0

  ByteReader(SeekableByteChannel channel, int bufferSize) throws IOException {
    this.channel = channel;
    this.buf = ByteBuffer.allocate(bufferSize);
    this.buf.limit(0);
    this.bufStart = channel.position();
  }

  long position() {
    return bufStart + buf.position();
  }

  long size() throws IOException {
    return channel.size();
  }

  private boolean fill() throws IOException {
    bufStart += buf.limit();
    buf.clear();
    int n;
    do {
      n = channel.read(buf);
    } while (n == 0);
    buf.flip();
    return n > 0;
  }

  /** Next byte 0..255, or -1 at end of file. */
  int read() throws IOException {
    if (!buf.hasRemaining() && !fill()) {
      return -1;
    }
    return buf.get() & 0xFF;
  }

  int u8() throws IOException {
    int b = read();
    if (b < 0) {
      throw new EOFException();
    }
    return b;
  }

  int u16be() throws IOException {
    return (u8() << 8) | u8();
  }

  int u16le() throws IOException {
    return u8() | (u8() << 8);
  }

  int u24le() throws IOException {
    return u8() | (u8() << 8) | (u8() << 16);
  }

  long u32be() throws IOException {
    return ((long) u16be() << 16) | u16be();
  }

  long u32le() throws IOException {
    return u16le() | ((long) u16le() << 16);
  }

  void readFully(byte[] dst, int off, int len) throws IOException {
    while (len > 0) {
      if (!buf.hasRemaining() && !fill()) {
        throw new EOFException();
      }
      int n = Math.min(len, buf.remaining());
      buf.get(dst, off, n);
      off += n;
      len -= n;
    }
  }

  byte[] readBytes(int len) throws IOException {
    byte[] b = new byte[len];
    readFully(b, 0, len);
    return b;
  }

  void skip(long n) throws IOException {
    if (n <= buf.remaining()) {
      buf.position(buf.position() + (int) n);
      return;
    }
    long target = position() + n;
    if (target > channel.size()) {
      throw new EOFException();
    }
    channel.position(target);
    bufStart = target;
    buf.limit(0);
  }

  void copy(long n, OutputStream out) throws IOException {
    while (n > 0) {
      if (!buf.hasRemaining() && !fill()) {
        throw new EOFException();
      }
      int k = (int) Math.min(n, buf.remaining());
      out.write(buf.array(), buf.position(), k);
      buf.position(buf.position() + k);
      n -= k;
    }
  }

  /**
   * Copies JPEG entropy-coded data up to the next marker that is neither a stuffed 0xFF00 nor a restart
   * marker, and returns that marker's code (the 0xFF prefix is consumed, not written).
   */
  int copyEntropyData(OutputStream out) throws IOException {
    boolean pendingFF = false;
    while (true) {
      if (!buf.hasRemaining() && !fill()) {
        throw new EOFException();
      }
      byte[] a = buf.array();
      int start = buf.position();
      int end = buf.limit();
      int i = start;
      if (pendingFF) {
        int m = a[i] & 0xFF;
        if (m != 0x00 && m != 0xFF && (m < 0xD0 || m > 0xD7)) {
          buf.position(i + 1);
          return m;
        }
        out.write(0xFF);
        pendingFF = false;
        if (m == 0xFF) { // fill byte: the next one may be the marker
          buf.position(i + 1);
          pendingFF = true;
          continue;
        }
      }
      while (i < end) {
        if (a[i] == (byte) 0xFF) {
          if (i + 1 < end) {
            int m = a[i + 1] & 0xFF;
            if (m != 0x00 && m != 0xFF && (m < 0xD0 || m > 0xD7)) {
              out.write(a, start, i - start);
              buf.position(i + 2);
              return m;
            }
            i += (m == 0xFF) ? 1 : 2;
          } else {
            out.write(a, start, i - start);
            buf.position(end);
            pendingFF = true;
            break;
          }
        } else {
          i++;
        }
      }
      if (!pendingFF) {
        out.write(a, start, end - start);
        buf.position(end);
      }
    }
  }
}
