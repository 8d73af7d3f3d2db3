package io.pinstream.media;

import com.luciad.imageio.webp.WebPImageReaderSpi;
import com.luciad.imageio.webp.WebPReadParam;
import com.luciad.imageio.webp.WebPWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * WebP decoding with libwebp (the native library that {@code com.github.usefulness:webp-imageio} ships inside its
 * jar for Linux, macOS and Windows). libwebp decodes a lossy (VP8) picture a few macroblock rows at a time and
 * scales while decoding, so a 16.8 MP photo needs its compressed bytes and the scaled result, not per-pixel state
 * for the whole frame as TwelveMonkeys' pure-Java decoder does. An animated WebP gives its first frame, cut out of
 * the container into a still WebP of its own (libwebp's simple decoder reads still images only). Where the native
 * library cannot be loaded, {@link #available()} is false and the pure-Java reader is used, with its pixel cap.
 */
final class NativeWebp {
  private static final Logger log = LoggerFactory.getLogger(NativeWebp.class);
  private static final boolean AVAILABLE = load();

  private NativeWebp() {
  }

  static boolean available() {
    return AVAILABLE;
  }

  private static boolean load() {
    try {
      WebPWrapper.loadNativeLibrary();
      return true;
    } catch (Throwable e) {
      log.warn("libwebp (webp-imageio) could not be loaded ({}): WebP is decoded in pure Java, up to {} pixels",
          e.toString(), ThumbnailRenderer.MAX_WEBP_PIXELS);
      return false;
    }
  }

  /**
   * The picture (an animation's first frame on its canvas), scaled while decoding to the smallest size still at
   * least {@code needW} x {@code needH}; 0 means no need in that direction.
   */
  static BufferedImage decode(byte[] file, ImageInfo info, int needW, int needH) throws IOException {
    int canvasW = info.storedWidth();
    int canvasH = info.storedHeight();
    double scale = Math.min(1.0, Math.max(needW <= 0 ? 0 : (double) needW / canvasW,
        needH <= 0 ? 0 : (double) needH / canvasH));
    if (scale <= 0) {
      scale = 1.0;
    }
    Frame frame = firstFrame(file);
    if (frame == null) {
      return read(file, scaled(canvasW, scale), scaled(canvasH, scale));
    }
    BufferedImage picture = read(frame.still(), scaled(frame.width(), scale), scaled(frame.height(), scale));
    int w = scaled(canvasW, scale);
    int h = scaled(canvasH, scale);
    if (frame.x() == 0 && frame.y() == 0 && picture.getWidth() == w && picture.getHeight() == h) {
      return picture;
    }
    BufferedImage canvas = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, w, h);
      g.drawImage(picture, (int) Math.round(frame.x() * scale), (int) Math.round(frame.y() * scale), null);
    } finally {
      g.dispose();
    }
    return canvas;
  }

  private static int scaled(int size, double scale) {
    return Math.max(1, (int) Math.ceil(size * scale - 1e-9));
  }

  /** A still WebP at its own size. */
  static BufferedImage read(byte[] webp) throws IOException {
    return read(webp, 0, 0);
  }

  /** A still WebP scaled to {@code w} x {@code h} while decoding (0 x 0: its own size). */
  private static BufferedImage read(byte[] webp, int w, int h) throws IOException {
    ImageReader reader = new WebPImageReaderSpi().createReaderInstance(null);
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(webp))) {
      reader.setInput(in, true, true);
      WebPReadParam param = new WebPReadParam();
      if (w > 0 && (w != reader.getWidth(0) || h != reader.getHeight(0))) {
        param.setUseScaling(true);
        param.setScaledWidth(w);
        param.setScaledHeight(h);
      }
      return reader.read(0, param);
    } catch (IOException | RuntimeException e) {
      throw ImageRejectedException.corrupt("WebP cannot be decoded: " + e.getMessage(), e);
    } finally {
      reader.dispose();
    }
  }

  /** The first frame of an animation as a still WebP, and where it lies on the canvas. */
  record Frame(byte[] still, int x, int y, int width, int height) {
  }

  /** Null when the file is not an animation (VP8X with its animation flag and an ANMF chunk). */
  static Frame firstFrame(byte[] f) {
    if (f.length < 30 || !ImageProbe.ascii(f, 12, 4).equals("VP8X") || (f[20] & 0x02) == 0) {
      return null;
    }
    int pos = 12;
    while (pos + 8 <= f.length) {
      String type = ImageProbe.ascii(f, pos, 4);
      long len = u32(f, pos + 4);
      int payload = pos + 8;
      if (type.equals("ANMF") && len >= 16 && payload + len <= f.length) {
        int x = 2 * u24(f, payload);
        int y = 2 * u24(f, payload + 3);
        int w = u24(f, payload + 6) + 1;
        int h = u24(f, payload + 9) + 1;
        byte[] alph = null;
        int sub = payload + 16;
        int end = (int) (payload + len);
        while (sub + 8 <= end) {
          String t = ImageProbe.ascii(f, sub, 4);
          int l = (int) Math.min(u32(f, sub + 4), end - sub - 8);
          if (t.equals("ALPH")) {
            alph = java.util.Arrays.copyOfRange(f, sub, sub + 8 + l + (l & 1));
          } else if (t.equals("VP8 ") || t.equals("VP8L")) {
            byte[] bitstream = java.util.Arrays.copyOfRange(f, sub, Math.min(end, sub + 8 + l + (l & 1)));
            return new Frame(still(w, h, t.equals("VP8 ") ? alph : null, bitstream), x, y, w, h);
          }
          sub += 8 + l + (l & 1);
        }
        return null;
      }
      pos = (int) Math.min(Integer.MAX_VALUE, payload + len + (len & 1));
    }
    return null;
  }

  private static byte[] still(int w, int h, byte[] alph, byte[] bitstream) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bitstream.length + 64);
    int body = 4 + (alph == null ? 0 : 18 + alph.length) + bitstream.length;
    out.writeBytes("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    le32(out, body);
    out.writeBytes("WEBP".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    if (alph != null) {
      // A lossy frame's alpha lives in an ALPH chunk, which only a VP8X container may carry.
      out.writeBytes("VP8X".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      le32(out, 10);
      out.write(0x10); // alpha flag
      out.write(0);
      out.write(0);
      out.write(0);
      le24(out, w - 1);
      le24(out, h - 1);
      out.writeBytes(alph);
    }
    out.writeBytes(bitstream);
    return out.toByteArray();
  }

  private static void le32(ByteArrayOutputStream out, int v) {
    le24(out, v);
    out.write(v >>> 24);
  }

  private static void le24(ByteArrayOutputStream out, int v) {
    out.write(v & 0xFF);
    out.write((v >>> 8) & 0xFF);
    out.write((v >>> 16) & 0xFF);
  }

  private static int u24(byte[] b, int i) {
    return (b[i] & 0xFF) | ((b[i + 1] & 0xFF) << 8) | ((b[i + 2] & 0xFF) << 16);
  }

  private static long u32(byte[] b, int i) {
    return u24(b, i) | ((long) (b[i + 3] & 0xFF) << 24);
  }
}
