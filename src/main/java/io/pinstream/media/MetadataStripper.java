package io.pinstream.media;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Produces the "orig" variant: the uploaded file with its metadata removed, without decoding it.
 *
 * <p>Why not re-encode: copying the compressed data is lossless (no generation loss) and needs no full-size
 * decode (a 24 MP decode alone is ~72 MB, over the heap budget of a worker). What is kept is only what keeps
 * the picture upright and correctly coloured: ICC profiles, the Adobe APP14 marker (CMYK/YCCK transform), PNG
 * colour chunks, and a minimal EXIF holding just the Orientation tag when it is not 1. Everything else (GPS,
 * camera data, comments, XMP, text chunks, unknown extensions) is dropped, and so is anything after the end
 * of the image (appended polyglot payloads). Streamed: memory is one buffer whatever the file size.
 */
public final class MetadataStripper {

  private static final Set<String> PNG_KEEP =
      Set.of("IHDR", "PLTE", "IDAT", "IEND", "tRNS", "iCCP", "sRGB", "gAMA", "cHRM", "pHYs");

  private MetadataStripper() {
  }

  /** Writes the stripped copy to {@code dest} via a temp file and an atomic move. */
  public static void strip(Path source, ImageInfo info, Path dest) throws IOException {
    AtomicFiles.write(dest, out -> strip(source, info, out));
  }

  public static void strip(Path source, ImageInfo info, OutputStream out) throws IOException {
    try (FileChannel ch = FileChannel.open(source, StandardOpenOption.READ)) {
      ByteReader in = new ByteReader(ch, 65536);
      switch (info.format()) {
        case JPEG -> jpeg(in, info.orientation(), out);
        case PNG -> png(in, out);
        case GIF -> gif(in, out);
        case WEBP -> webp(in, ch, info.orientation(), out);
      }
    } catch (EOFException e) {
      throw ImageRejectedException.corrupt(info.format() + " is truncated", e);
    }
  }

  // ---- JPEG -------------------------------------------------------------------------------------------

  private static void jpeg(ByteReader in, int orientation, OutputStream out) throws IOException {
    in.skip(2);
    out.write(0xFF);
    out.write(0xD8);
    boolean exifWritten = false;
    int m = nextMarker(in);
    while (true) {
      if (m == 0xD9) {
        out.write(0xFF);
        out.write(0xD9);
        return; // anything after EOI is not part of the image
      }
      if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
        out.write(0xFF);
        out.write(m);
        m = nextMarker(in);
        continue;
      }
      int len = in.u16be();
      if (len < 2) {
        throw ImageRejectedException.corrupt("JPEG: bad segment length");
      }
      boolean app = m >= 0xE0 && m <= 0xEF;
      if (m == 0xFE || app) {
        byte[] payload = in.readBytes(len - 2);
        boolean keep = (m == 0xE2 && startsWith(payload, "ICC_PROFILE\0"))
            || (m == 0xEE && startsWith(payload, "Adobe"))
            || (m == 0xE0 && startsWith(payload, "JFIF\0"));
        if (keep) {
          writeSegment(out, m, payload);
        } else if (m == 0xE1 && startsWith(payload, "Exif\0\0") && orientation != 1 && !exifWritten) {
          writeSegment(out, 0xE1, minimalExif(orientation, true));
          exifWritten = true;
        }
        m = nextMarker(in);
        continue;
      }
      out.write(0xFF);
      out.write(m);
      out.write(len >> 8);
      out.write(len & 0xFF);
      in.copy(len - 2, out);
      if (m == 0xDA) {
        m = in.copyEntropyData(out);
      } else {
        m = nextMarker(in);
      }
    }
  }

  private static int nextMarker(ByteReader in) throws IOException {
    return ImageProbe.nextMarker(in);
  }

  private static void writeSegment(OutputStream out, int marker, byte[] payload) throws IOException {
    int len = payload.length + 2;
    out.write(0xFF);
    out.write(marker);
    out.write(len >> 8);
    out.write(len & 0xFF);
    out.write(payload);
  }

  /** "Exif\0\0" (optional) + a big-endian TIFF header with one IFD holding only Orientation. */
  static byte[] minimalExif(int orientation, boolean withExifHeader) {
    byte[] tiff = {
      'M', 'M', 0, 42, 0, 0, 0, 8,       // header, IFD0 at offset 8
      0, 1,                              // one entry
      0x01, 0x12, 0, 3, 0, 0, 0, 1,      // tag 0x0112 Orientation, SHORT, count 1
      0, (byte) orientation, 0, 0,       // value, left-justified
      0, 0, 0, 0                         // no next IFD
    };
    if (!withExifHeader) {
      return tiff;
    }
    byte[] b = new byte[6 + tiff.length];
    System.arraycopy("Exif\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, b, 0, 6);
    System.arraycopy(tiff, 0, b, 6, tiff.length);
    return b;
  }

  // ---- PNG --------------------------------------------------------------------------------------------

  private static void png(ByteReader in, OutputStream out) throws IOException {
    in.copy(8, out);
    while (true) {
      byte[] header = in.readBytes(8);
      long len = ((header[0] & 0xFFL) << 24) | ((header[1] & 0xFF) << 16) | ((header[2] & 0xFF) << 8)
          | (header[3] & 0xFF);
      if (len > Integer.MAX_VALUE) {
        throw ImageRejectedException.corrupt("PNG: bad chunk length");
      }
      String type = ImageProbe.ascii(header, 4, 4);
      if (PNG_KEEP.contains(type)) {
        out.write(header);
        in.copy(len + 4, out); // data and CRC, byte for byte
      } else {
        in.skip(len + 4);
      }
      if (type.equals("IEND")) {
        return;
      }
    }
  }

  // ---- GIF --------------------------------------------------------------------------------------------

  private static void gif(ByteReader in, OutputStream out) throws IOException {
    in.copy(10, out); // signature + logical screen size + packed
    int packed = readCopy(in, out);
    in.copy(2, out);
    if ((packed & 0x80) != 0) {
      in.copy(3L * (1 << ((packed & 7) + 1)), out);
    }
    while (true) {
      int b = in.read();
      if (b == 0x2C) {
        out.write(b);
        in.copy(8, out);
        int p = readCopy(in, out);
        if ((p & 0x80) != 0) {
          in.copy(3L * (1 << ((p & 7) + 1)), out);
        }
        in.copy(1, out);
        copySubBlocks(in, out);
      } else if (b == 0x21) {
        int label = in.u8();
        if (label == 0xF9) {
          out.write(b);
          out.write(label);
          copySubBlocks(in, out);
        } else if (label == 0xFF) {
          int size = in.u8();
          byte[] id = in.readBytes(size);
          if (size == 11 && ImageProbe.ascii(id, 0, 11).equals("NETSCAPE2.0")) {
            out.write(b);
            out.write(label);
            out.write(size);
            out.write(id);
            copySubBlocks(in, out);
          } else {
            ImageProbe.skipSubBlocks(in);
          }
        } else {
          ImageProbe.skipSubBlocks(in); // comment, plain text
        }
      } else {
        out.write(0x3B); // trailer; anything after it (or junk) is dropped
        return;
      }
    }
  }

  private static int readCopy(ByteReader in, OutputStream out) throws IOException {
    int b = in.u8();
    out.write(b);
    return b;
  }

  private static void copySubBlocks(ByteReader in, OutputStream out) throws IOException {
    int size;
    do {
      size = readCopy(in, out);
      in.copy(size, out);
    } while (size != 0);
  }

  // ---- WebP -------------------------------------------------------------------------------------------

  private record Chunk(String type, long offset, long length) {
  }

  private static void webp(ByteReader in, FileChannel ch, int orientation, OutputStream out) throws IOException {
    // First pass over chunk headers (seeks only) to know the new RIFF size before writing it.
    in.skip(4);
    long riffEnd = Math.min(ch.size(), 8 + in.u32le());
    in.skip(4);
    List<Chunk> keep = new ArrayList<>();
    boolean hadExif = false;
    while (in.position() + 8 <= riffEnd) {
      String type = ImageProbe.ascii(in.readBytes(4), 0, 4);
      long len = in.u32le();
      long offset = in.position();
      long padded = len + (len & 1);
      if (offset + len > riffEnd) {
        throw ImageRejectedException.corrupt("WebP: chunk " + type + " runs past the end");
      }
      if (type.equals("EXIF")) {
        hadExif = true;
      } else if (!type.equals("XMP ")) {
        keep.add(new Chunk(type, offset, len));
      }
      in.skip(Math.min(padded, riffEnd - in.position()));
    }
    byte[] exif = hadExif && orientation != 1 && !keep.isEmpty() && keep.get(0).type().equals("VP8X")
        ? minimalExif(orientation, false) : null;
    long size = 4;
    for (Chunk c : keep) {
      size += 8 + c.length() + (c.length() & 1);
    }
    if (exif != null) {
      size += 8 + exif.length;
    }
    out.write(new byte[] {'R', 'I', 'F', 'F'});
    le32(out, size);
    out.write(new byte[] {'W', 'E', 'B', 'P'});
    for (Chunk c : keep) {
      ch.position(c.offset());
      ByteReader body = new ByteReader(ch, 65536);
      out.write(c.type().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      le32(out, c.length());
      if (c.type().equals("VP8X")) {
        int flags = body.u8() & ~0x0C; // clear EXIF (0x08) and XMP (0x04)
        if (exif != null) {
          flags |= 0x08;
        }
        out.write(flags);
        body.copy(c.length() - 1, out);
      } else {
        body.copy(c.length(), out);
      }
      if ((c.length() & 1) != 0) {
        out.write(0);
      }
    }
    if (exif != null) {
      out.write(new byte[] {'E', 'X', 'I', 'F'});
      le32(out, exif.length);
      out.write(exif);
    }
  }

  private static void le32(OutputStream out, long v) throws IOException {
    out.write((int) v & 0xFF);
    out.write((int) (v >> 8) & 0xFF);
    out.write((int) (v >> 16) & 0xFF);
    out.write((int) (v >> 24) & 0xFF);
  }

  private static boolean startsWith(byte[] b, String prefix) {
    return b.length >= prefix.length() && ImageProbe.ascii(b, 0, prefix.length()).equals(prefix);
  }
}
