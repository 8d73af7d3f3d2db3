package io.pinstream.media;

import java.awt.color.ICC_Profile;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.coobird.thumbnailator.Thumbnails;
import net.coobird.thumbnailator.resizers.configurations.ScalingMode;

/**
 * Renders the JPEG thumbnails (widths 236, 474, 736) and the dominant colour of an image that
 * {@link ImageProbe} accepted. Blocking; safe to share between threads (no mutable state).
 *
 * <p>The source is decoded once ({@link ImageDecoder}), subsampled at read time to about twice the largest
 * width, so a 24 MP JPEG never exists at full size on the heap, and brought to opaque sRGB ({@link Colours}).
 * 736 is made from that, 474 from 736 and 236 from 474. Resizing happens in the stored orientation and the
 * small results are then turned upright, which is cheaper than rotating the big decoded image. The output
 * JPEGs ({@link JpegEncoder}) carry no metadata at all (at most a JFIF APP0).
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
  }

  /** All sizes of one source, largest first, and its dominant colour as {@code #rrggbb}. */
  public record Rendition(List<Thumbnail> thumbnails, String dominantColor) {
    public Thumbnail forWidth(int targetWidth) {
      return thumbnails.stream().filter(t -> t.targetWidth() == targetWidth).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no thumbnail for width " + targetWidth));
    }
  }

  /**
   * Which JPEG reader to use. AUTO means libjpeg-turbo's TurboJPEG with DCT scaling ({@link NativeJpeg}) where it
   * is installed, and otherwise (and for CMYK/YCCK files) TwelveMonkeys: for ordinary YCbCr/grey files it hands the decode to
   * the JDK's libjpeg-turbo reader (measured: same speed), and it reads CMYK/YCCK and Adobe markers right,
   * where the JDK reader alone took 4.4 s on the corpus CMYK file and washed its colours out. JDK exists
   * for measurements.
   */
  public enum JpegReaderChoice { AUTO, JDK, TWELVEMONKEYS }

  private final ImageDecoder decoder;
  private final JpegEncoder encoder;

  public ThumbnailRenderer() {
    this(0.85f, JpegReaderChoice.AUTO);
  }

  public ThumbnailRenderer(float quality, JpegReaderChoice jpegReader) {
    this.decoder = new ImageDecoder(jpegReader == JpegReaderChoice.JDK, jpegReader == JpegReaderChoice.AUTO);
    this.encoder = new JpegEncoder(quality);
  }

  /** Every n-th pixel of every n-th row is decoded by ImageIO: about twice the largest width, never less. */
  static int subsampling(ImageInfo info) {
    return Math.max(1, info.displayWidth() / DECODE_WIDTH);
  }

  /**
   * The most memory one render of {@code info} needs, in bytes, from its header alone (so an image can be refused
   * before any decode):
   * <pre>
   *   budget = decoded x (raster + 8) + full x state + firstFrame / s^2 + compressed x copies + 1 MB
   * </pre>
   * where {@code s} is {@link #subsampling}, {@code full} the stored width x height, {@code decoded} the pixels
   * the decoder produces: ceil(W / s) x ceil(H / s) for ImageIO, and for a JPEG the larger of that and
   * libjpeg-turbo's DCT-scaled size (1/8 of a very large photo can be wider than 1/s), and per format:
   * <ul>
   *   <li>raster, bytes per decoded pixel of what the reader fills: JPEG 4 (a CMYK/YCCK raster; YCbCr is 3),
   *       PNG 12 (16-bit RGBA is 8, plus the copy an embedded ICC profile's conversion makes), GIF 4 (the frame
   *       drawn on an RGB screen), WebP 4 with libwebp (it scales while decoding), 0 in pure Java (counted in
   *       state);</li>
   *   <li>+ 8: the opaque sRGB copy ({@code TYPE_INT_RGB}, 4) and the resize steps down to 736 (at most 4 more);</li>
   *   <li>state, bytes per stored pixel the decoder keeps whatever the scale: a progressive JPEG's
   *       coefficient buffer (2 bytes per pixel and component, up to 3 full-resolution components: 6; native
   *       memory in libjpeg, the process's memory all the same); WebP with libwebp: lossy 0 (a few macroblock
   *       rows), lossless 4 (the ARGB image its transforms work on); WebP in pure Java 32 (TwelveMonkeys' VP8
   *       decoder keeps per-macroblock objects for the whole frame, measured above 23 bytes per pixel); 0
   *       otherwise;</li>
   *   <li>firstFrame / s^2: a GIF's first frame as the reader allocates it (indexed, 1 byte per pixel; it may
   *       be larger than the screen);</li>
   *   <li>compressed x copies: the file read into memory by the native decoders (JPEG 1, WebP 3: the reader's
   *       stream cache, its copy, and an animation's first frame);</li>
   *   <li>1 MB: row buffers, streams and the three encoded JPEGs.</li>
   * </ul>
   */
  public static long decodeBytes(ImageInfo info) {
    return decodeBytes(info, 0);
  }

  /** {@link #decodeBytes(ImageInfo)} for a file of {@code fileBytes} bytes. */
  public static long decodeBytes(ImageInfo info, long fileBytes) {
    long s = subsampling(info);
    long full = info.pixels();
    long decoded = ceilDiv(info.storedWidth(), s) * ceilDiv(info.storedHeight(), s);
    long raster;
    long state = 0;
    long frame = 0;
    long copies = 0;
    switch (info.format()) {
      case JPEG -> {
        raster = 4;
        state = info.progressive() ? 6 : 0;
        if (NativeJpeg.available()) {
          int[] need = storedNeed(info, WIDTHS.get(0));
          int d = NativeJpeg.scaleDenominator(info.storedWidth(), info.storedHeight(), need[0], need[1]);
          decoded = Math.max(decoded, (long) NativeJpeg.ceilDiv(info.storedWidth(), d)
              * NativeJpeg.ceilDiv(info.storedHeight(), d));
          copies = 1;
        }
      }
      case PNG -> raster = 12;
      case GIF -> {
        raster = 4;
        frame = ceilDiv(info.firstFramePixels(), s * s);
      }
      default -> {
        if (NativeWebp.available()) {
          int[] need = storedNeed(info, WIDTHS.get(0));
          decoded = Math.min(full, (long) (need[0] + 1) * (need[1] + 1));
          raster = 4;
          state = info.progressive() ? 4 : 0;
          copies = 3;
        } else {
          raster = 0;
          state = 32;
        }
      }
    }
    return decoded * (raster + 8) + full * state + frame + fileBytes * copies + (1L << 20);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  /**
   * The stored-orientation size a decode must reach for a display width of {@code displayWidth} (never more than
   * the image itself): {width, height}.
   */
  static int[] storedNeed(ImageInfo info, int displayWidth) {
    int w = Math.min(displayWidth, info.displayWidth());
    int h = (int) Math.max(1, Math.round((double) info.displayHeight() * w / info.displayWidth()));
    return info.swapsAxes() ? new int[] {h, w} : new int[] {w, h};
  }

  public Rendition render(Path source, ImageInfo info) throws IOException {
    BufferedImage rgb = decodeOpaque(source, info, storedNeed(info, WIDTHS.get(0)));
    int fullDisplayW = info.displayWidth();
    boolean swap = info.swapsAxes();

    List<Thumbnail> out = new ArrayList<>(WIDTHS.size());
    BufferedImage previous = rgb;
    BufferedImage smallest = null;
    for (int target : WIDTHS) {
      int w = Math.min(target, fullDisplayW);
      int h = Math.max(1, (int) Math.round((double) info.displayHeight() * w / fullDisplayW));
      BufferedImage stored = resize(previous, swap ? h : w, swap ? w : h);
      BufferedImage upright = orient(stored, info.orientation());
      out.add(new Thumbnail(target, upright.getWidth(), upright.getHeight(), encoder.encode(upright)));
      previous = stored;
      smallest = upright;
    }
    return new Rendition(List.copyOf(out), Colours.dominantColor(smallest));
  }

  /**
   * Decodes at least {@code storedNeed} (stored orientation) and brings it to opaque sRGB. A pure-Java WebP decode
   * of more than {@link #MAX_WEBP_PIXELS} is refused (only where libwebp could not be loaded).
   */
  BufferedImage decodeOpaque(Path source, ImageInfo info, int[] storedNeed) throws IOException {
    if (info.format() == ImageFormat.WEBP && !NativeWebp.available() && info.pixels() > MAX_WEBP_PIXELS) {
      throw ImageRejectedException.tooLarge("WebP images are limited to " + MAX_WEBP_PIXELS + " pixels");
    }
    BufferedImage decoded = decoder.decode(source, info, storedNeed[0], storedNeed[1]);
    BufferedImage rgb = Colours.toOpaqueSrgb(decoded);
    if (info.format() == ImageFormat.PNG) {
      // The PNG reader runs with ignoreMetadata, so it never applies iCCP (e.g. Display P3 screenshots).
      ICC_Profile profile = Colours.pngProfile(source);
      if (profile != null) {
        rgb = Colours.convertFrom(profile, rgb);
      }
    }
    return rgb;
  }

  // ---- geometry ---------------------------------------------------------------------------------------

  static BufferedImage resize(BufferedImage src, int w, int h) throws IOException {
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
}
