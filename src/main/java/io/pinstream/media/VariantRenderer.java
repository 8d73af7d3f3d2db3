package io.pinstream.media;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Renders one image size on demand from the original: a signed size ({@link MediaUrls.Fit}) or a fixed width in
 * WebP. Decoded at the smallest scale that still covers the output (DCT scaling for JPEG, libwebp scaling for
 * WebP), resized in the stored orientation, turned upright, then cropped (cover) or letterboxed on white
 * (contain). Never larger than the original. Blocking; safe to share.
 */
final class VariantRenderer {
  private final ThumbnailRenderer renderer = new ThumbnailRenderer();
  private final JpegEncoder jpeg = new JpegEncoder(0.85f);
  private final WebpEncoder webp;

  VariantRenderer(int webpQuality) {
    this.webp = new WebpEncoder(webpQuality / 100f);
  }

  /** What to make: a {@code width} x {@code height} box and a fit, or ({@code fit} null) a fixed width alone. */
  record Spec(int width, int height, MediaUrls.Fit fit, boolean webp) {
  }

  /**
   * The output size for an original of {@code w} x {@code h} (displayed) in a box: cover and contain fill the box
   * exactly; inside keeps the aspect ratio and is never larger than the original.
   */
  static int[] outputSize(int w, int h, int boxW, int boxH, MediaUrls.Fit fit) {
    if (fit != MediaUrls.Fit.INSIDE) {
      return new int[] {boxW, boxH};
    }
    double s = Math.min(1.0, Math.min((double) boxW / w, (double) boxH / h));
    return new int[] {Math.max(1, (int) Math.round(w * s)), Math.max(1, (int) Math.round(h * s))};
  }

  /** Whether the box fits the original (cover and contain never upscale; inside never does by itself). */
  static boolean fits(int w, int h, int boxW, int boxH, MediaUrls.Fit fit) {
    return fit == MediaUrls.Fit.INSIDE || (boxW <= w && boxH <= h);
  }

  byte[] render(Path original, ImageInfo info, Spec spec) throws IOException {
    int fullW = info.displayWidth();
    int fullH = info.displayHeight();
    int scaledW;
    int scaledH;
    if (spec.fit() == null) {
      scaledW = Math.min(spec.width(), fullW);
      scaledH = Math.max(1, (int) Math.round((double) fullH * scaledW / fullW));
    } else {
      double sx = (double) spec.width() / fullW;
      double sy = (double) spec.height() / fullH;
      double s = spec.fit() == MediaUrls.Fit.COVER ? Math.max(sx, sy) : Math.min(sx, sy);
      s = Math.min(1.0, s);
      scaledW = Math.max(1, (int) Math.ceil(fullW * s - 1e-9));
      scaledH = Math.max(1, (int) Math.ceil(fullH * s - 1e-9));
      if (spec.fit() == MediaUrls.Fit.INSIDE || spec.fit() == MediaUrls.Fit.CONTAIN) {
        int[] out = outputSize(fullW, fullH, spec.width(), spec.height(), MediaUrls.Fit.INSIDE);
        scaledW = out[0];
        scaledH = out[1];
      }
    }
    boolean swap = info.swapsAxes();
    int[] storedNeed = swap ? new int[] {scaledH, scaledW} : new int[] {scaledW, scaledH};
    BufferedImage rgb = renderer.decodeOpaque(original, info, storedNeed);
    BufferedImage stored = ThumbnailRenderer.resize(rgb, storedNeed[0], storedNeed[1]);
    BufferedImage upright = ThumbnailRenderer.orient(stored, info.orientation());
    BufferedImage out = upright;
    if (spec.fit() == MediaUrls.Fit.COVER) {
      int w = Math.min(spec.width(), upright.getWidth());
      int h = Math.min(spec.height(), upright.getHeight());
      out = copy(upright.getSubimage((upright.getWidth() - w) / 2, (upright.getHeight() - h) / 2, w, h));
    } else if (spec.fit() == MediaUrls.Fit.CONTAIN
        && (upright.getWidth() != spec.width() || upright.getHeight() != spec.height())) {
      out = new BufferedImage(spec.width(), spec.height(), BufferedImage.TYPE_INT_RGB);
      Graphics2D g = out.createGraphics();
      try {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.drawImage(upright, (out.getWidth() - upright.getWidth()) / 2, (out.getHeight() - upright.getHeight()) / 2,
            null);
      } finally {
        g.dispose();
      }
    }
    return spec.webp() ? webp.encode(out) : jpeg.encode(out);
  }

  /** A sub-image shares its parent's raster; encoders want one of their own. */
  private static BufferedImage copy(BufferedImage sub) {
    BufferedImage out = new BufferedImage(sub.getWidth(), sub.getHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.drawImage(sub, 0, 0, null);
    } finally {
      g.dispose();
    }
    return out;
  }
}
