package io.pinstream.media;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Colour for {@link ThumbnailRenderer}: decoded pixels to opaque sRGB (embedded ICC profiles converted,
 * transparency flattened onto white, grey and indexed expanded), a PNG's own iCCP profile (its reader
 * runs with {@code ignoreMetadata}, so it would never apply it), and the dominant colour of a thumbnail.
 * Stateless.
 */
final class Colours {
  private Colours() {
  }

  /** sRGB without alpha: ICC profiles converted, transparency flattened onto white, grey/indexed expanded. */
  static BufferedImage toOpaqueSrgb(BufferedImage img) {
    ColorSpace cs = img.getColorModel().getColorSpace();
    boolean alpha = img.getColorModel().hasAlpha();
    boolean srgb = cs.isCS_sRGB();
    int type = img.getType();
    if (!alpha && srgb && (type == BufferedImage.TYPE_3BYTE_BGR || type == BufferedImage.TYPE_INT_RGB)) {
      return img;
    }
    BufferedImage dst = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
    if (!alpha && !srgb && cs.getType() != ColorSpace.TYPE_GRAY) {
      // Embedded ICC profile (e.g. Adobe RGB): a real colour conversion, not a reinterpretation.
      try {
        new ColorConvertOp(null).filter(img, dst);
        return dst;
      } catch (RuntimeException badProfile) {
        // A profile LCMS cannot use (CMMException and friends): show the pixels as sRGB rather than fail.
      }
    }
    Graphics2D g = dst.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, dst.getWidth(), dst.getHeight());
      g.drawImage(img, 0, 0, null);
    } finally {
      g.dispose();
    }
    return dst;
  }

  private static final int MAX_ICC_BYTES = 4 << 20;

  /**
   * The PNG's own iCCP profile, read by hand from the chunks before IDAT (capped); null when there is none or
   * nothing to convert (an sRGB chunk, or a profile described as sRGB, like most camera and editor PNGs).
   */
  static ICC_Profile pngProfile(Path png) throws IOException {
    try (FileChannel ch = FileChannel.open(png, StandardOpenOption.READ)) {
      ByteReader in = new ByteReader(ch, 8192);
      in.skip(8);
      while (true) {
        long len = in.u32be();
        String type = ImageProbe.ascii(in.readBytes(4), 0, 4);
        if (type.equals("IDAT") || type.equals("sRGB") || type.equals("IEND")) {
          return null;
        }
        if (type.equals("iCCP") && len <= MAX_ICC_BYTES) {
          byte[] chunk = in.readBytes((int) len);
          int nul = 0;
          while (nul < chunk.length && chunk[nul] != 0) {
            nul++;
          }
          byte[] icc = nul + 2 > chunk.length ? null : inflate(chunk, nul + 2, chunk.length - nul - 2);
          if (icc == null) {
            return null;
          }
          ICC_Profile profile = ICC_Profile.getInstance(icc);
          boolean rgb = profile.getColorSpaceType() == ColorSpace.TYPE_RGB;
          return rgb && !description(profile).toLowerCase(java.util.Locale.ROOT).startsWith("srgb")
              ? profile : null;
        }
        in.skip(len + 4);
      }
    } catch (IOException | IllegalArgumentException unusable) {
      return null; // no usable profile: the pixels are shown as sRGB, as browsers do
    }
  }

  /**
   * The ICC profile of a JPEG (APP2 "ICC_PROFILE" segments before the image data, joined in their order); null
   * when there is none or nothing to convert: not RGB, or described as sRGB (most cameras and editors).
   */
  static ICC_Profile jpegProfile(byte[] jpeg) {
    try {
      java.util.TreeMap<Integer, byte[]> parts = new java.util.TreeMap<>();
      int i = 2;
      while (i + 4 <= jpeg.length && (jpeg[i] & 0xFF) == 0xFF) {
        int marker = jpeg[i + 1] & 0xFF;
        if (marker == 0xFF) {
          i++;
          continue;
        }
        if (marker == 0xDA || marker == 0xD9) {
          break;
        }
        int len = ((jpeg[i + 2] & 0xFF) << 8) | (jpeg[i + 3] & 0xFF);
        if (len < 2 || i + 2 + len > jpeg.length) {
          break;
        }
        if (marker == 0xE2 && len >= 16 && ImageProbe.ascii(jpeg, i + 4, 12).equals("ICC_PROFILE\0")) {
          parts.put(jpeg[i + 16] & 0xFF, java.util.Arrays.copyOfRange(jpeg, i + 18, i + 2 + len));
        }
        i += 2 + len;
      }
      if (parts.isEmpty()) {
        return null;
      }
      ByteArrayOutputStream icc = new ByteArrayOutputStream();
      for (byte[] part : parts.values()) {
        icc.write(part);
        if (icc.size() > MAX_ICC_BYTES) {
          return null;
        }
      }
      ICC_Profile profile = ICC_Profile.getInstance(icc.toByteArray());
      boolean rgb = profile.getColorSpaceType() == ColorSpace.TYPE_RGB;
      return rgb && !description(profile).toLowerCase(java.util.Locale.ROOT).startsWith("srgb") ? profile : null;
    } catch (IOException | RuntimeException unusable) {
      return null; // no usable profile: the pixels are shown as sRGB, as browsers do
    }
  }

  /** The profile's 'desc' text (ICC v2 textDescription or v4 multiLocalizedUnicode), or "". */
  static String description(ICC_Profile profile) {
    byte[] d = profile.getData(ICC_Profile.icSigProfileDescriptionTag);
    if (d == null || d.length < 12) {
      return "";
    }
    String type = ImageProbe.ascii(d, 0, 4);
    int count = ((d[8] & 0xFF) << 24) | ((d[9] & 0xFF) << 16) | ((d[10] & 0xFF) << 8) | (d[11] & 0xFF);
    if (type.equals("desc")) {
      return ImageProbe.ascii(d, 12, Math.max(0, Math.min(count, d.length - 12))).replace("\0", "").trim();
    }
    if (type.equals("mluc") && count > 0 && d.length >= 28) {
      int len = ((d[20] & 0xFF) << 24) | ((d[21] & 0xFF) << 16) | ((d[22] & 0xFF) << 8) | (d[23] & 0xFF);
      int off = ((d[24] & 0xFF) << 24) | ((d[25] & 0xFF) << 16) | ((d[26] & 0xFF) << 8) | (d[27] & 0xFF);
      if (off >= 0 && len >= 0 && off + len <= d.length) {
        return new String(d, off, len, java.nio.charset.StandardCharsets.UTF_16BE).trim();
      }
    }
    return "";
  }

  private static byte[] inflate(byte[] b, int off, int len) {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(b, off, len);
      ByteArrayOutputStream out = new ByteArrayOutputStream(len * 2);
      byte[] buf = new byte[16384];
      while (!inflater.finished()) {
        int n = inflater.inflate(buf);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          return null;
        }
        out.write(buf, 0, n);
        if (out.size() > MAX_ICC_BYTES) {
          return null;
        }
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      return null;
    } finally {
      inflater.end();
    }
  }

  /** Reinterprets opaque pixels as being in {@code profile} and converts them to sRGB. */
  static BufferedImage convertFrom(ICC_Profile profile, BufferedImage rgb) {
    int w = rgb.getWidth();
    int h = rgb.getHeight();
    try {
      WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 3, null);
      byte[] data = ((DataBufferByte) raster.getDataBuffer()).getData();
      int[] row = new int[w];
      for (int y = 0, i = 0; y < h; y++) {
        rgb.getRGB(0, y, w, 1, row, 0, w);
        for (int p : row) {
          data[i++] = (byte) (p >> 16);
          data[i++] = (byte) (p >> 8);
          data[i++] = (byte) p;
        }
      }
      ColorModel cm = new ComponentColorModel(new ICC_ColorSpace(profile), false, false,
          Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
      BufferedImage tagged = new BufferedImage(cm, raster, false, null);
      BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      new ColorConvertOp(null).filter(tagged, dst);
      return dst;
    } catch (RuntimeException badProfile) {
      return rgb;
    }
  }

  static String dominantColor(BufferedImage img) {
    // 4 bits per channel histogram; the answer is the mean colour of the fullest bucket.
    int[] count = new int[4096];
    long[] sumR = new long[4096];
    long[] sumG = new long[4096];
    long[] sumB = new long[4096];
    int w = img.getWidth();
    int h = img.getHeight();
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int p : row) {
        int r = (p >> 16) & 0xFF;
        int g = (p >> 8) & 0xFF;
        int b = p & 0xFF;
        int bucket = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
        count[bucket]++;
        sumR[bucket] += r;
        sumG[bucket] += g;
        sumB[bucket] += b;
      }
    }
    int best = 0;
    for (int i = 1; i < count.length; i++) {
      if (count[i] > count[best]) {
        best = i;
      }
    }
    int n = Math.max(1, count[best]);
    return String.format("#%02x%02x%02x", sumR[best] / n, sumG[best] / n, sumB[best] / n);
  }
}
