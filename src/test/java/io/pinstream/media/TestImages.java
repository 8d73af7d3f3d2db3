package io.pinstream.media;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.plugins.jpeg.JPEGImageWriteParam;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Builds test images in memory, including hostile ones made by byte surgery. */
final class TestImages {
  private TestImages() {
  }

  /** Top half red, bottom half blue, plus noise so the JPEG is not trivially small. */
  static BufferedImage redOverBlue(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(0, 0, w, h / 2);
    g.setColor(Color.BLUE);
    g.fillRect(0, h / 2, w, h - h / 2);
    g.dispose();
    return img;
  }

  static BufferedImage noise(int w, int h, long seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Random r = new Random(seed);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, r.nextInt(0xFFFFFF));
      }
    }
    return img;
  }

  static byte[] jpeg(BufferedImage img, boolean progressive) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      JPEGImageWriteParam p = new JPEGImageWriteParam(null);
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(0.9f);
      if (progressive) {
        p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      }
      writer.write(null, new IIOImage(img, null, null), p);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  static byte[] encode(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (!ImageIO.write(img, format, bytes)) {
      throw new IllegalStateException("no writer for " + format);
    }
    return bytes.toByteArray();
  }

  /** Inserts segments right after SOI. */
  static byte[] insertAfterSoi(byte[] jpeg, byte[]... segments) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    for (byte[] s : segments) {
      out.writeBytes(s);
    }
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  static byte[] segment(int marker, byte[] payload) {
    int len = payload.length + 2;
    byte[] s = new byte[payload.length + 4];
    s[0] = (byte) 0xFF;
    s[1] = (byte) marker;
    s[2] = (byte) (len >> 8);
    s[3] = (byte) len;
    System.arraycopy(payload, 0, s, 4, payload.length);
    return s;
  }

  /**
   * A little-endian EXIF APP1 with IFD0 = {Make "SpyCam", Orientation, GPS IFD pointer} and a GPS IFD with a
   * latitude reference, so a stripper that keeps any of it is caught.
   */
  static byte[] exifApp1(int orientation) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(200).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1));
    int tiff = b.position();
    b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
    b.putShort((short) 3);
    b.putShort((short) 0x010F).putShort((short) 2).putInt(7).putInt(8 + 2 + 3 * 12 + 4); // Make -> offset
    b.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
    int gpsIfd = 8 + 2 + 3 * 12 + 4 + 8;
    b.putShort((short) 0x8825).putShort((short) 4).putInt(1).putInt(gpsIfd);
    b.putInt(0);
    b.put("SpyCam\0\0".getBytes(StandardCharsets.ISO_8859_1));
    b.putShort((short) 1);
    b.putShort((short) 0x0001).putShort((short) 2).putInt(2).put((byte) 'N').put((byte) 0).putShort((short) 0);
    b.putInt(0);
    b.put("GPSSECRET".getBytes(StandardCharsets.ISO_8859_1));
    byte[] payload = Arrays.copyOf(b.array(), b.position());
    return segment(0xE1, payload);
  }

  static byte[] comment(String text) {
    return segment(0xFE, text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Rewrites the first SOFn frame size. */
  static byte[] patchSof(byte[] jpeg, int w, int h) {
    byte[] b = jpeg.clone();
    int i = 2;
    while (i < b.length) {
      int m = b[i + 1] & 0xFF;
      int len = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
      if (ImageProbe.isSof(m)) {
        b[i + 5] = (byte) (h >> 8);
        b[i + 6] = (byte) h;
        b[i + 7] = (byte) (w >> 8);
        b[i + 8] = (byte) w;
        return b;
      }
      i += 2 + len;
    }
    throw new IllegalArgumentException("no SOF");
  }

  static byte[] pngChunk(String type, byte[] data) {
    byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + data.length);
    b.putInt(data.length).put(t).put(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** Signature + IHDR (valid CRC) claiming w x h RGB, then the given chunks, then IEND. */
  static byte[] pngHeader(long w, long h, byte[]... chunks) {
    java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13);
    ihdr.putInt((int) w).putInt((int) h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    out.writeBytes(pngChunk("IHDR", ihdr.array()));
    for (byte[] c : chunks) {
      out.writeBytes(c);
    }
    out.writeBytes(pngChunk("IEND", new byte[0]));
    return out.toByteArray();
  }

  /** Inserts chunks right after IHDR of a real PNG. */
  static byte[] insertAfterIhdr(byte[] png, byte[]... chunks) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(png, 0, 8 + 25);
    for (byte[] c : chunks) {
      out.writeBytes(c);
    }
    out.write(png, 33, png.length - 33);
    return out.toByteArray();
  }

  /** GIF89a w x h screen, 2-colour palette, {@code frames} frames of 1x1 pixel at (x, y). */
  static byte[] tinyFramesGif(int w, int h, int frames, int x, int y) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("GIF89a".getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(new byte[] {(byte) w, (byte) (w >> 8), (byte) h, (byte) (h >> 8), (byte) 0x80, 0, 0});
    out.writeBytes(new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255}); // black, white
    out.writeBytes(new byte[] {0x21, (byte) 0xFE, 5, 'h', 'e', 'l', 'l', 'o', 0}); // comment
    for (int i = 0; i < frames; i++) {
      out.writeBytes(new byte[] {0x2C, (byte) x, (byte) (x >> 8), (byte) y, (byte) (y >> 8), 1, 0, 1, 0, 0});
      out.writeBytes(new byte[] {2, 2, 0x44, 0x01, 0}); // LZW: clear, index 0 (black), end
    }
    out.write(0x3B);
    return out.toByteArray();
  }

  /**
   * GIF89a, written by hand: a {@code sw} x {@code sh} logical screen, a 2-colour palette, one image descriptor
   * at ({@code x}, {@code y}) declaring {@code w} x {@code h}, a tiny LZW block (one pixel), the trailer.
   */
  static byte[] gifWithFrame(int sw, int sh, int x, int y, int w, int h) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("GIF89a".getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(new byte[] {(byte) sw, (byte) (sw >> 8), (byte) sh, (byte) (sh >> 8), (byte) 0x80, 0, 0});
    out.writeBytes(new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
    out.writeBytes(gifFrame(x, y, w, h));
    out.write(0x3B);
    return out.toByteArray();
  }

  /** {@code gif} with one more frame before its trailer. */
  static byte[] appendGifFrame(byte[] gif, int x, int y, int w, int h) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(gif, 0, gif.length - 1);
    out.writeBytes(gifFrame(x, y, w, h));
    out.write(0x3B);
    return out.toByteArray();
  }

  private static byte[] gifFrame(int x, int y, int w, int h) {
    return new byte[] {0x2C, (byte) x, (byte) (x >> 8), (byte) y, (byte) (y >> 8), (byte) w, (byte) (w >> 8),
      (byte) h, (byte) (h >> 8), 0, 2, 2, 0x44, 0x01, 0};
  }

  /** JPEG marker codes in order (segments walked up to SOS, then the trailing marker). */
  static List<Integer> jpegMarkers(byte[] jpeg) {
    List<Integer> markers = new ArrayList<>();
    int i = 2;
    markers.add(0xD8);
    while (i + 4 <= jpeg.length) {
      int m = jpeg[i + 1] & 0xFF;
      markers.add(m);
      int len = ((jpeg[i + 2] & 0xFF) << 8) | (jpeg[i + 3] & 0xFF);
      if (m == 0xDA) {
        break;
      }
      i += 2 + len;
    }
    return markers;
  }

  static byte[] payloadOf(byte[] jpeg, int marker) {
    int i = 2;
    while (i + 4 <= jpeg.length) {
      int m = jpeg[i + 1] & 0xFF;
      int len = ((jpeg[i + 2] & 0xFF) << 8) | (jpeg[i + 3] & 0xFF);
      if (m == marker) {
        return Arrays.copyOfRange(jpeg, i + 4, i + 2 + len);
      }
      if (m == 0xDA) {
        break;
      }
      i += 2 + len;
    }
    return null;
  }
}
