package io.pinstream.media;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * Identifies an upload and reads its dimensions from the header bytes, before any decoder sees it.
 *
 * <p>The type comes from magic bytes only (never the file name or Content-Type). Dimensions are parsed by hand
 * (JPEG SOFn, PNG IHDR, GIF logical screen and every frame's image descriptor, WebP VP8/VP8L/VP8X and the
 * bitstream headers inside a VP8X canvas) so that a bomb declaring gigapixels is refused without allocating
 * anything proportional to its size: decoders size their buffers from the frame or bitstream header, not from
 * the screen or canvas, so every one of those is checked too. Memory use is one small buffer plus at most one JPEG
 * APP1 segment (64 KB) for the EXIF orientation; metadata chunks are skipped by seeking, never read.
 */
public final class ImageProbe {

  /** Longest side accepted, whatever the pixel budget. */
  public static final int MAX_SIDE = 16384;

  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  private static final int MAX_EXIF_BYTES = 65536;
  private static final int MAX_COUNTED_FRAMES = 1_000_000;

  private ImageProbe() {
  }

  public static ImageInfo probe(Path file, long maxPixels) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteReader in = new ByteReader(ch, 8192);
      byte[] head = new byte[16];
      int n = 0;
      for (int b; n < head.length && (b = in.read()) >= 0; n++) {
        head[n] = (byte) b;
      }
      ImageFormat format = sniff(head, n);
      ch.position(0);
      in = new ByteReader(ch, 8192);
      ImageInfo info;
      try {
        info = switch (format) {
          case JPEG -> jpeg(in);
          case PNG -> png(in);
          case GIF -> gif(in, maxPixels);
          case WEBP -> webp(in, maxPixels);
        };
      } catch (EOFException e) {
        throw ImageRejectedException.corrupt(format + " header is truncated", e);
      }
      checkSize(info, maxPixels);
      return info;
    }
  }

  /** Format from the first bytes; anything else (empty, text, HTML, SVG, other formats) is refused. */
  static ImageFormat sniff(byte[] h, int n) {
    if (n == 0) {
      throw ImageRejectedException.unsupported("empty file");
    }
    if (n >= 3 && (h[0] & 0xFF) == 0xFF && (h[1] & 0xFF) == 0xD8 && (h[2] & 0xFF) == 0xFF) {
      return ImageFormat.JPEG;
    }
    if (n >= 8 && startsWith(h, PNG_MAGIC)) {
      return ImageFormat.PNG;
    }
    if (n >= 6 && (ascii(h, 0, 6).equals("GIF87a") || ascii(h, 0, 6).equals("GIF89a"))) {
      return ImageFormat.GIF;
    }
    if (n >= 12 && ascii(h, 0, 4).equals("RIFF") && ascii(h, 8, 4).equals("WEBP")) {
      return ImageFormat.WEBP;
    }
    String known = otherFormat(h, n);
    if (known != null) {
      throw ImageRejectedException.unsupported(known + " is not an accepted image format");
    }
    throw ImageRejectedException.unsupported("not a JPEG, PNG, GIF or WebP image");
  }

  /** The name of a recognised format this service does not take (for the 415's detail), or null. */
  static String otherFormat(byte[] h, int n) {
    if (n >= 12 && ascii(h, 4, 4).equals("ftyp")) {
      String brand = ascii(h, 8, 4);
      if (brand.equals("avif") || brand.equals("avis")) {
        return "AVIF";
      }
      if (brand.startsWith("hei") || brand.startsWith("hev") || brand.equals("mif1") || brand.equals("msf1")) {
        return "HEIC/HEIF";
      }
      return "an ISO media file (" + brand.trim().replaceAll("[^A-Za-z0-9]", "?") + ")";
    }
    if (n >= 4 && (ascii(h, 0, 4).equals("II*\0") || ascii(h, 0, 4).equals("MM\0*"))) {
      return "TIFF";
    }
    if (n >= 2 && ascii(h, 0, 2).equals("BM")) {
      return "BMP";
    }
    if (n >= 4 && ascii(h, 0, 4).equals("%PDF")) {
      return "PDF";
    }
    if (n >= 4 && ascii(h, 0, 4).equals("8BPS")) {
      return "Photoshop (PSD)";
    }
    if ((n >= 2 && (h[0] & 0xFF) == 0xFF && (h[1] & 0xFF) == 0x0A) || (n >= 12 && ascii(h, 4, 4).equals("JXL "))) {
      return "JPEG XL";
    }
    if (n >= 4 && h[0] == 0 && h[1] == 0 && (h[2] == 1 || h[2] == 2) && h[3] == 0) {
      return "ICO/CUR";
    }
    String text = ascii(h, 0, n).stripLeading().toLowerCase(java.util.Locale.ROOT);
    if (text.startsWith("<")) {
      return "markup (HTML/SVG/XML)";
    }
    return null;
  }

  private static void checkSize(ImageInfo info, long maxPixels) {
    int w = info.storedWidth();
    int h = info.storedHeight();
    if (w <= 0 || h <= 0) {
      throw ImageRejectedException.corrupt("image has no pixels (" + w + "x" + h + ")");
    }
    checkLimit("image", w, h, maxPixels);
  }

  private static void checkLimit(String what, long w, long h, long maxPixels) {
    if (w > MAX_SIDE || h > MAX_SIDE || w * h > maxPixels) {
      throw ImageRejectedException.tooLarge(what + " is " + w + "x" + h + "; limit is " + maxPixels
          + " pixels and " + MAX_SIDE + " per side");
    }
  }

  // ---- JPEG -------------------------------------------------------------------------------------------

  private static ImageInfo jpeg(ByteReader in) throws IOException {
    in.skip(2); // SOI
    int orientation = 1;
    while (true) {
      int m = nextMarker(in);
      if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) {
        continue; // standalone markers carry no length
      }
      if (m == 0xD9 || m == 0xDA) {
        throw ImageRejectedException.corrupt("JPEG: no frame header (SOF) before image data");
      }
      int len = in.u16be();
      if (len < 2) {
        throw ImageRejectedException.corrupt("JPEG: bad segment length");
      }
      if (isSof(m)) {
        if (len < 8) {
          throw ImageRejectedException.corrupt("JPEG: short SOF segment");
        }
        in.u8(); // precision
        int h = in.u16be();
        int w = in.u16be();
        int components = in.u8();
        if (components != 1 && components != 3 && components != 4) {
          throw ImageRejectedException.corrupt("JPEG: " + components + " components");
        }
        boolean progressive = m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE;
        return new ImageInfo(ImageFormat.JPEG, w, h, orientation, progressive, 1);
      }
      if (m == 0xE1 && len >= 8 && orientation == 1) {
        byte[] seg = in.readBytes(len - 2);
        if (seg.length >= 6 && ascii(seg, 0, 6).equals("Exif\0\0")) {
          orientation = exifOrientation(seg, 6, seg.length - 6);
        }
      } else {
        in.skip(len - 2);
      }
    }
  }

  /** Max junk bytes tolerated between segments (libjpeg only warns "extraneous bytes before marker"). */
  private static final int MAX_JUNK_BEFORE_MARKER = 4096;

  /** Reads up to and including the next marker code, skipping fill bytes and a little junk. */
  static int nextMarker(ByteReader in) throws IOException {
    int junk = 0;
    while (in.u8() != 0xFF) {
      if (++junk > MAX_JUNK_BEFORE_MARKER) {
        throw ImageRejectedException.corrupt("JPEG: no marker where a segment should start");
      }
    }
    int m;
    do {
      m = in.u8();
    } while (m == 0xFF);
    return m;
  }

  static boolean isSof(int m) {
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
  }

  /** Orientation tag (0x0112) of IFD0 of a TIFF structure at {@code off}; 1 when absent or unreadable. */
  static int exifOrientation(byte[] b, int off, int len) {
    if (len < 8) {
      return 1;
    }
    boolean le;
    if (b[off] == 'I' && b[off + 1] == 'I') {
      le = true;
    } else if (b[off] == 'M' && b[off + 1] == 'M') {
      le = false;
    } else {
      return 1;
    }
    long ifd = u32(b, off + 4, le);
    if (ifd < 8 || ifd + 2 > len) {
      return 1;
    }
    int count = u16(b, off + (int) ifd, le);
    for (int i = 0; i < count; i++) {
      int e = off + (int) ifd + 2 + i * 12;
      if (e + 12 > off + len) {
        return 1;
      }
      if (u16(b, e, le) == 0x0112) {
        int type = u16(b, e + 2, le);
        int v = type == 3 ? u16(b, e + 8, le) : type == 4 ? (int) u32(b, e + 8, le) : 1;
        return v >= 1 && v <= 8 ? v : 1;
      }
    }
    return 1;
  }

  private static int u16(byte[] b, int i, boolean le) {
    int x = b[i] & 0xFF;
    int y = b[i + 1] & 0xFF;
    return le ? x | (y << 8) : (x << 8) | y;
  }

  private static long u32(byte[] b, int i, boolean le) {
    long x = u16(b, i, le);
    long y = u16(b, i + 2, le);
    return le ? x | (y << 16) : (x << 16) | y;
  }

  // ---- PNG --------------------------------------------------------------------------------------------

  private static ImageInfo png(ByteReader in) throws IOException {
    in.skip(8);
    byte[] ihdr = in.readBytes(8 + 13 + 4);
    if (u32(ihdr, 0, false) != 13 || !ascii(ihdr, 4, 4).equals("IHDR")) {
      throw ImageRejectedException.corrupt("PNG: first chunk is not a valid IHDR");
    }
    CRC32 crc = new CRC32();
    crc.update(ihdr, 4, 17);
    if (crc.getValue() != u32(ihdr, 21, false)) {
      throw ImageRejectedException.corrupt("PNG: IHDR checksum mismatch");
    }
    long w = u32(ihdr, 8, false);
    long h = u32(ihdr, 12, false);
    int depth = ihdr[16];
    int colour = ihdr[17];
    boolean valid = switch (colour) {
      case 0 -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
      case 3 -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
      case 2, 4, 6 -> depth == 8 || depth == 16;
      default -> false;
    };
    if (!valid || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
      throw ImageRejectedException.corrupt("PNG: invalid IHDR");
    }
    return new ImageInfo(ImageFormat.PNG, (int) w, (int) h, 1, false, 1);
  }

  // ---- GIF --------------------------------------------------------------------------------------------

  private static ImageInfo gif(ByteReader in, long maxPixels) throws IOException {
    in.skip(6);
    int w = in.u16le();
    int h = in.u16le();
    int packed = in.u8();
    in.skip(2);
    if ((packed & 0x80) != 0) {
      in.skip(3L * (1 << ((packed & 7) + 1)));
    }
    // Counting frames walks block headers only (no LZW decoding): cheap even for 10 000 frames.
    int frames = 0;
    long firstFramePixels = 0;
    try {
      loop:
      while (frames < MAX_COUNTED_FRAMES) {
        int b = in.read();
        switch (b) {
          case 0x21 -> {
            in.u8();
            skipSubBlocks(in);
          }
          case 0x2C -> {
            int left = in.u16le();
            int top = in.u16le();
            int fw = in.u16le();
            int fh = in.u16le();
            // The reader allocates the frame as its descriptor says, whatever the screen: a 1x1 screen
            // may carry a 46000x46000 frame. Its place on the screen must fit the limits as well.
            checkLimit("GIF frame " + (frames + 1), fw, fh, maxPixels);
            checkLimit("GIF frame " + (frames + 1) + " with its position", (long) left + fw, (long) top + fh, maxPixels);
            if (frames == 0) {
              firstFramePixels = (long) fw * fh;
            }
            int p = in.u8();
            if ((p & 0x80) != 0) {
              in.skip(3L * (1 << ((p & 7) + 1)));
            }
            in.u8(); // LZW minimum code size
            skipSubBlocks(in);
            frames++;
          }
          default -> {
            break loop; // trailer (0x3B), end of file or junk after the frames
          }
        }
      }
    } catch (EOFException e) {
      if (frames == 0) {
        throw e;
      }
    }
    if (frames == 0) {
      throw ImageRejectedException.corrupt("GIF: no image frame");
    }
    return new ImageInfo(ImageFormat.GIF, w, h, 1, false, frames, firstFramePixels);
  }

  static void skipSubBlocks(ByteReader in) throws IOException {
    for (int size; (size = in.u8()) != 0; ) {
      in.skip(size);
    }
  }

  // ---- WebP -------------------------------------------------------------------------------------------

  private static ImageInfo webp(ByteReader in, long maxPixels) throws IOException {
    in.skip(12);
    String type = ascii(in.readBytes(4), 0, 4);
    long size = in.u32le();
    switch (type) {
      case "VP8 ", "VP8L" -> {
        int[] wh = bitstreamSize(in, type, size);
        return new ImageInfo(ImageFormat.WEBP, wh[0], wh[1], 1, type.equals("VP8L"), 1);
      }
      case "VP8X" -> {
        if (size < 10) {
          throw ImageRejectedException.corrupt("WebP: short VP8X chunk");
        }
        in.skip(4); // flags + reserved
        int w = in.u24le() + 1;
        int h = in.u24le() + 1;
        checkLimit("WebP canvas", w, h, maxPixels);
        in.skip(size - 10 + (size & 1));
        int orientation = 1;
        int frames = 0;
        boolean lossless = false;
        // Chunk headers only; payloads are skipped by seeking, except the few header bytes of each bitstream.
        while (in.position() + 8 <= in.size()) {
          String t = ascii(in.readBytes(4), 0, 4);
          long len = in.u32le();
          long padded = len + (len & 1);
          long end = in.position() + padded;
          if (t.equals("EXIF") && len <= MAX_EXIF_BYTES && in.position() + len <= in.size()) {
            byte[] exif = in.readBytes((int) len);
            int off = exif.length >= 6 && ascii(exif, 0, 6).equals("Exif\0\0") ? 6 : 0;
            orientation = exifOrientation(exif, off, exif.length - off);
            in.skip(padded - len);
            continue;
          }
          if (t.equals("VP8 ") || t.equals("VP8L")) {
            lossless = t.equals("VP8L");
            checkBitstream(in, t, len, w, h, "canvas", maxPixels);
          } else if (t.equals("ANMF")) {
            frames++;
            checkAnimationFrame(in, len, w, h, frames, maxPixels);
          }
          if (end > in.size()) {
            break;
          }
          in.skip(end - in.position());
        }
        return new ImageInfo(ImageFormat.WEBP, w, h, orientation, lossless, Math.max(frames, 1));
      }
      default -> throw ImageRejectedException.corrupt("WebP: unknown first chunk '" + type + "'");
    }
  }

  /**
   * An ANMF chunk: its rectangle on the canvas, then its own chunks (ALPH, VP8, VP8L), whose bitstream must be
   * the frame's size. Leaves the reader somewhere inside the chunk (the caller seeks past it).
   */
  private static void checkAnimationFrame(ByteReader in, long len, int canvasW, int canvasH, int n, long maxPixels)
      throws IOException {
    if (len < 16) {
      throw ImageRejectedException.corrupt("WebP: short ANMF chunk");
    }
    long x = 2L * in.u24le();
    long y = 2L * in.u24le();
    int fw = in.u24le() + 1;
    int fh = in.u24le() + 1;
    in.skip(4); // duration, flags
    checkLimit("WebP frame " + n, fw, fh, maxPixels);
    if (x + fw > canvasW || y + fh > canvasH) {
      throw ImageRejectedException.corrupt("WebP: frame " + n + " (" + fw + "x" + fh + " at " + x + "," + y
          + ") lies outside its " + canvasW + "x" + canvasH + " canvas");
    }
    long end = in.position() + len - 16;
    while (in.position() + 8 <= Math.min(end, in.size())) {
      String t = ascii(in.readBytes(4), 0, 4);
      long sub = in.u32le();
      long next = in.position() + sub + (sub & 1);
      if (t.equals("VP8 ") || t.equals("VP8L")) {
        checkBitstream(in, t, sub, fw, fh, "frame " + n, maxPixels);
        return;
      }
      if (next > Math.min(end, in.size())) {
        return;
      }
      in.skip(next - in.position());
    }
  }

  /** A bitstream inside a canvas or frame: within the limits, and exactly the size of what holds it. */
  private static void checkBitstream(ByteReader in, String type, long len, int w, int h, String holder,
                                     long maxPixels) throws IOException {
    int[] wh = bitstreamSize(in, type, len);
    checkLimit("WebP " + type.trim() + " bitstream", wh[0], wh[1], maxPixels);
    if (wh[0] != w || wh[1] != h) {
      throw ImageRejectedException.corrupt("WebP: " + type.trim() + " bitstream is " + wh[0] + "x" + wh[1]
          + " in a " + w + "x" + h + " " + holder);
    }
  }

  /** Width and height from a VP8 key frame or VP8L header; the reader is at the start of the chunk's payload. */
  private static int[] bitstreamSize(ByteReader in, String type, long len) throws IOException {
    if (type.equals("VP8 ")) {
      if (len < 10) {
        throw ImageRejectedException.corrupt("WebP: short VP8 chunk");
      }
      byte[] b = in.readBytes(10);
      if ((b[0] & 1) != 0 || (b[3] & 0xFF) != 0x9D || (b[4] & 0xFF) != 0x01 || (b[5] & 0xFF) != 0x2A) {
        throw ImageRejectedException.corrupt("WebP: bad VP8 key frame header");
      }
      return new int[] {u16(b, 6, true) & 0x3FFF, u16(b, 8, true) & 0x3FFF};
    }
    if (len < 5) {
      throw ImageRejectedException.corrupt("WebP: short VP8L chunk");
    }
    if (in.u8() != 0x2F) {
      throw ImageRejectedException.corrupt("WebP: bad VP8L signature");
    }
    long bits = in.u32le();
    return new int[] {(int) (bits & 0x3FFF) + 1, (int) ((bits >> 14) & 0x3FFF) + 1};
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  private static boolean startsWith(byte[] h, byte[] magic) {
    for (int i = 0; i < magic.length; i++) {
      if (h[i] != magic[i]) {
        return false;
      }
    }
    return true;
  }

  static String ascii(byte[] b, int off, int len) {
    return new String(b, off, Math.max(0, Math.min(len, b.length - off)), StandardCharsets.ISO_8859_1);
  }
}
