package io.pinstream.media;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Transparency;
import java.awt.color.ICC_ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.awt.color.ColorSpace;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.plugins.jpeg.JPEGImageWriteParam;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import net.coobird.thumbnailator.Thumbnails;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import net.coobird.thumbnailator.resizers.configurations.ScalingMode;

/**
 * Renders the JPEG thumbnails (widths 236, 474, 736) and the dominant colour of an image that
 * {@link ImageProbe} accepted. Blocking; safe to share between threads (no mutable state).
 *
 * <p>The source is decoded once, subsampled at read time to about twice the largest width, so a 24 MP JPEG
 * never exists at full size on the heap. 736 is made from that, 474 from 736 and 236 from 474. Resizing
 * happens in the stored orientation and the small results are then turned upright, which is cheaper than
 * rotating the big decoded image. Readers run with {@code ignoreMetadata}: nothing beyond what the probe
 * read (orientation) is parsed, and the output JPEGs carry no metadata at all (at most a JFIF APP0).
 */
public final class ThumbnailRenderer {

  /** Widths in the order they are made (each from the previous one). */
  public static final List<Integer> WIDTHS = List.of(736, 474, 236);

  private static final int DECODE_WIDTH = 2 * 736;

  /**
   * TwelveMonkeys' pure-Java VP8 decoder keeps the whole frame as per-macroblock objects (tens of bytes per
   * pixel, no decode-time subsampling of that state): a 16.8 MP WebP needs more than 384 MB of heap, while
   * 4.2 MP fits in 128 MB. Larger lossy WebPs are refused rather than risking the worker's heap.
   */
  public static final long MAX_WEBP_PIXELS = 2048L * 2048;

  /** One rendered size. {@code width}/{@code height} are the upright (displayed) dimensions. */
  public record Thumbnail(int targetWidth, int width, int height, byte[] jpeg) {
    /** Writes to a temp file next to {@code dest}, then moves it into place atomically. */
    public void writeTo(Path dest) throws IOException {
      AtomicFiles.write(dest, out -> out.write(jpeg));
    }
  }

  /** All sizes of one source, largest first, and its dominant colour as {@code #rrggbb}. */
  public record Rendition(List<Thumbnail> thumbnails, String dominantColor) {
    public Thumbnail forWidth(int targetWidth) {
      return thumbnails.stream().filter(t -> t.targetWidth() == targetWidth).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no thumbnail for width " + targetWidth));
    }
  }

  /**
   * Which JPEG reader to use. AUTO means TwelveMonkeys: for ordinary YCbCr/grey files it hands the decode to
   * the JDK's libjpeg-turbo reader (measured: same speed), and it reads CMYK/YCCK and Adobe markers right,
   * where the JDK reader alone took 4.4 s on the corpus CMYK file and washed its colours out. JDK exists
   * for measurements.
   */
  public enum JpegReaderChoice { AUTO, JDK, TWELVEMONKEYS }

  private final float quality;
  private final JpegReaderChoice jpegReader;

  public ThumbnailRenderer() {
    this(0.85f, JpegReaderChoice.AUTO);
  }

  public ThumbnailRenderer(float quality, JpegReaderChoice jpegReader) {
    this.quality = quality;
    this.jpegReader = jpegReader;
  }

  public Rendition render(Path source, ImageInfo info) throws IOException {
    if (info.format() == ImageFormat.WEBP && info.pixels() > MAX_WEBP_PIXELS) {
      throw ImageRejectedException.tooLarge("WebP images are limited to " + MAX_WEBP_PIXELS + " pixels");
    }
    int subsampling = Math.max(1, info.displayWidth() / DECODE_WIDTH);
    BufferedImage decoded = decode(source, info, subsampling);
    BufferedImage rgb = toOpaqueSrgb(decoded);
    decoded = null;
    if (info.format() == ImageFormat.PNG) {
      // The PNG reader runs with ignoreMetadata, so it never applies iCCP (e.g. Display P3 screenshots).
      ICC_Profile profile = pngProfile(source);
      if (profile != null) {
        rgb = convertFrom(profile, rgb);
      }
    }

    // Decoded size in display orientation (a GIF's first frame may be smaller than its screen).
    boolean swap = info.swapsAxes();
    int decodedDisplayW = swap ? rgb.getHeight() : rgb.getWidth();
    int decodedDisplayH = swap ? rgb.getWidth() : rgb.getHeight();
    int fullDisplayW = Math.min(info.displayWidth(), decodedDisplayW * subsampling);

    List<Thumbnail> out = new ArrayList<>(WIDTHS.size());
    BufferedImage previous = rgb;
    BufferedImage smallest = null;
    for (int target : WIDTHS) {
      int w = Math.min(target, fullDisplayW);
      int h = Math.max(1, (int) Math.round((double) decodedDisplayH * w / decodedDisplayW));
      BufferedImage stored = resize(previous, swap ? h : w, swap ? w : h);
      BufferedImage upright = orient(stored, info.orientation());
      out.add(new Thumbnail(target, upright.getWidth(), upright.getHeight(), encode(upright)));
      previous = stored;
      smallest = upright;
    }
    return new Rendition(List.copyOf(out), dominantColor(smallest));
  }

  // ---- decode -----------------------------------------------------------------------------------------

  private BufferedImage decode(Path source, ImageInfo info, int subsampling) throws IOException {
    ImageReader reader = readerFor(info.format());
    List<String> warnings = new ArrayList<>(1);
    try (ImageInputStream in = new FileImageInputStream(source.toFile())) {
      reader.setInput(in, true, true);
      reader.addIIOReadWarningListener((r, warning) -> {
        if (!isBenign(warning)) {
          warnings.add(warning);
        }
      });
      ImageReadParam param = reader.getDefaultReadParam();
      param.setSourceSubsampling(subsampling, subsampling, 0, 0);
      BufferedImage image = reader.read(0, param);
      if (!warnings.isEmpty()) {
        // libjpeg only warns on truncation ("Premature end of JPEG file") and pads with grey.
        throw ImageRejectedException.corrupt("image data is damaged: " + warnings.get(0));
      }
      if (info.format() == ImageFormat.GIF) {
        image = onGifScreen(reader, image, info, subsampling);
      }
      return image;
    } catch (ImageRejectedException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw ImageRejectedException.corrupt("image cannot be decoded: " + e.getMessage(), e);
    } finally {
      reader.dispose();
    }
  }

  /**
   * Warnings that do not mean lost pixels: TwelveMonkeys' note that a CMYK file has no profile (it then uses
   * a generic one) and libjpeg's "extraneous bytes before marker", common in camera files with complete data.
   */
  static boolean isBenign(String warning) {
    String w = warning == null ? "" : warning.toLowerCase(java.util.Locale.ROOT);
    return w.contains("icc") || w.contains("color profile") || w.contains("extraneous bytes");
  }

  /**
   * A GIF frame may cover only part of the logical screen (the hostile 10 000-frame file starts with a 1x1
   * frame on a 1000x1000 screen): place it where it belongs on a white screen, like a browser would.
   */
  private static BufferedImage onGifScreen(ImageReader reader, BufferedImage frame, ImageInfo info, int s)
      throws IOException {
    int screenW = (info.storedWidth() + s - 1) / s;
    int screenH = (info.storedHeight() + s - 1) / s;
    if (frame.getWidth() == screenW && frame.getHeight() == screenH) {
      return frame;
    }
    int left = 0;
    int top = 0;
    IIOMetadata meta = reader.getImageMetadata(0);
    if (meta != null) {
      Node root = meta.getAsTree("javax_imageio_gif_image_1.0");
      for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n.getNodeName().equals("ImageDescriptor")) {
          NamedNodeMap a = n.getAttributes();
          left = Integer.parseInt(a.getNamedItem("imageLeftPosition").getNodeValue()) / s;
          top = Integer.parseInt(a.getNamedItem("imageTopPosition").getNodeValue()) / s;
        }
      }
    }
    BufferedImage screen = new BufferedImage(screenW, screenH, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = screen.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, screenW, screenH);
      g.drawImage(frame, left, top, null);
    } finally {
      g.dispose();
    }
    return screen;
  }

  private ImageReader readerFor(ImageFormat format) {
    String name = switch (format) {
      case JPEG -> "jpeg";
      case PNG -> "png";
      case GIF -> "gif";
      case WEBP -> "webp";
    };
    boolean wantTwelveMonkeys = format == ImageFormat.JPEG && jpegReader != JpegReaderChoice.JDK;
    ImageReader fallback = null;
    for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(name); it.hasNext(); ) {
      ImageReader r = it.next();
      boolean tm = r.getClass().getName().startsWith("com.twelvemonkeys.");
      if (format != ImageFormat.JPEG || tm == wantTwelveMonkeys) {
        return r;
      }
      if (fallback == null) {
        fallback = r;
      }
    }
    if (fallback == null) {
      throw new IllegalStateException("no ImageIO reader for " + format);
    }
    return fallback;
  }

  // ---- colour -----------------------------------------------------------------------------------------

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

  // ---- geometry ---------------------------------------------------------------------------------------

  private static BufferedImage resize(BufferedImage src, int w, int h) throws IOException {
    if (src.getWidth() == w && src.getHeight() == h) {
      return src;
    }
    return Thumbnails.of(src)
        .forceSize(w, h)
        .scalingMode(ScalingMode.PROGRESSIVE_BILINEAR)
        .imageType(BufferedImage.TYPE_INT_RGB)
        .asBufferedImage();
  }

  /** Turns an image stored with EXIF orientation {@code o} upright. */
  static BufferedImage orient(BufferedImage img, int o) {
    if (o <= 1 || o > 8) {
      return img;
    }
    int w = img.getWidth();
    int h = img.getHeight();
    AffineTransform t = switch (o) {
      case 2 -> new AffineTransform(-1, 0, 0, 1, w, 0);
      case 3 -> new AffineTransform(-1, 0, 0, -1, w, h);
      case 4 -> new AffineTransform(1, 0, 0, -1, 0, h);
      case 5 -> new AffineTransform(0, 1, 1, 0, 0, 0);
      case 6 -> new AffineTransform(0, 1, -1, 0, h, 0);
      case 7 -> new AffineTransform(0, -1, -1, 0, h, w);
      default -> new AffineTransform(0, -1, 1, 0, 0, w); // 8
    };
    boolean swap = o >= 5;
    BufferedImage dst = new BufferedImage(swap ? h : w, swap ? w : h, BufferedImage.TYPE_INT_RGB);
    new AffineTransformOp(t, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(img, dst);
    return dst;
  }

  // ---- encode -----------------------------------------------------------------------------------------

  private byte[] encode(BufferedImage img) {
    ImageWriter writer = jpegWriter();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      JPEGImageWriteParam param = new JPEGImageWriteParam(null);
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
      param.setOptimizeHuffmanTables(true);
      // No stream or image metadata: the writer emits only JFIF APP0 and the image itself.
      writer.write(null, new IIOImage(img, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  private static ImageWriter jpegWriter() {
    ImageWriter first = null;
    for (Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
      ImageWriter w = it.next();
      if (w.getClass().getName().equals("com.sun.imageio.plugins.jpeg.JPEGImageWriter")) {
        return w;
      }
      if (first == null) {
        first = w;
      }
    }
    if (first == null) {
      throw new IllegalStateException("no JPEG writer");
    }
    return first;
  }
}
