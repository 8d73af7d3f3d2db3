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
   * Which JPEG reader to use. AUTO means TwelveMonkeys: for ordinary YCbCr/grey files it hands the decode to
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
    this.decoder = new ImageDecoder(jpegReader == JpegReaderChoice.JDK);
    this.encoder = new JpegEncoder(quality);
  }

  public Rendition render(Path source, ImageInfo info) throws IOException {
    if (info.format() == ImageFormat.WEBP && info.pixels() > MAX_WEBP_PIXELS) {
      throw ImageRejectedException.tooLarge("WebP images are limited to " + MAX_WEBP_PIXELS + " pixels");
    }
    int subsampling = Math.max(1, info.displayWidth() / DECODE_WIDTH);
    BufferedImage decoded = decoder.decode(source, info, subsampling);
    BufferedImage rgb = Colours.toOpaqueSrgb(decoded);
    decoded = null;
    if (info.format() == ImageFormat.PNG) {
      // The PNG reader runs with ignoreMetadata, so it never applies iCCP (e.g. Display P3 screenshots).
      ICC_Profile profile = Colours.pngProfile(source);
      if (profile != null) {
        rgb = Colours.convertFrom(profile, rgb);
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
      out.add(new Thumbnail(target, upright.getWidth(), upright.getHeight(), encoder.encode(upright)));
      previous = stored;
      smallest = upright;
    }
    return new Rendition(List.copyOf(out), Colours.dominantColor(smallest));
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
}
