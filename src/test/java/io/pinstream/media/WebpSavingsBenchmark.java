package io.pinstream.media;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Bytes of the WebP served to browsers that accept it against the JPEG served to the rest, at equal visual
 * quality, on the corpus's 736 px thumbnails. Not a unit test: run it by hand, see BENCHMARKS.md.
 *
 * <p>Measure: SSIM on luma (BT.601), 8x8 windows every 4 px, against the same upright 736 px image before any
 * encoding (the pipeline's own decode and resize). For each photo the JPEG (q 0.85, as served) sets the bar; the
 * WebP quality is searched (binary, 30..100) for the smallest file whose SSIM is at least the JPEG's. Also
 * printed: the WebP at the configured {@code media.webp_quality} (default 86), what the server actually sends.
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) io.pinstream.media.WebpSavingsBenchmark
 * </pre>
 */
public final class WebpSavingsBenchmark {
  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    Path dir = Path.of(System.getenv().getOrDefault("PINSTREAM_CORPUS", "/work/shared/corpus/images"));
    int configured = Integer.parseInt(System.getenv().getOrDefault("WEBP_QUALITY", "86"));
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().matches("(?i).*\\.(jpe?g|png|webp|gif)$")).sorted().toList();
    }
    ThumbnailRenderer renderer = new ThumbnailRenderer();
    JpegEncoder jpegEncoder = new JpegEncoder(0.85f);
    long jpegTotal = 0;
    long matchedTotal = 0;
    long configuredTotal = 0;
    double ssimJpeg = 0;
    double ssimMatched = 0;
    double ssimConfigured = 0;
    System.out.printf("%-46s %9s %7s | %9s %7s %4s | %9s %7s%n", "736 px thumbnail", "JPEG q85", "SSIM",
        "WebP =SSIM", "SSIM", "q", "WebP q" + configured, "SSIM");
    for (Path f : files) {
      ImageInfo info = ImageProbe.probe(f, 50_000_000L);
      int[] need = ThumbnailRenderer.storedNeed(info, 736);
      BufferedImage rgb = renderer.decodeOpaque(f, info, need);
      BufferedImage reference = ThumbnailRenderer.orient(ThumbnailRenderer.resize(rgb, need[0], need[1]),
          info.orientation());
      byte[] jpeg = jpegEncoder.encode(reference);
      double sJpeg = ssim(reference, ImageIO.read(new ByteArrayInputStream(jpeg)));
      int lo = 30;
      int hi = 100;
      byte[] best = null;
      double sBest = 0;
      int qBest = 100;
      while (lo <= hi) {
        int q = (lo + hi) / 2;
        byte[] webp = new WebpEncoder(q / 100f).encode(reference);
        double s = ssim(reference, NativeWebp.read(webp));
        if (s >= sJpeg) {
          best = webp;
          sBest = s;
          qBest = q;
          hi = q - 1;
        } else {
          lo = q + 1;
        }
      }
      if (best == null) {
        best = new WebpEncoder(1f).encode(reference);
        sBest = ssim(reference, NativeWebp.read(best));
      }
      byte[] served = new WebpEncoder(configured / 100f).encode(reference);
      double sServed = ssim(reference, NativeWebp.read(served));
      jpegTotal += jpeg.length;
      matchedTotal += best.length;
      configuredTotal += served.length;
      ssimJpeg += sJpeg;
      ssimMatched += sBest;
      ssimConfigured += sServed;
      System.out.printf("%-46s %9d %7.4f | %9d %7.4f %4d | %9d %7.4f%n", f.getFileName(), jpeg.length, sJpeg,
          best.length, sBest, qBest, served.length, sServed);
    }
    int n = files.size();
    System.out.printf("%-46s %9d %7.4f | %9d %7.4f %4s | %9d %7.4f%n", "total / mean SSIM (" + n + " files)", jpegTotal,
        ssimJpeg / n, matchedTotal, ssimMatched / n, "", configuredTotal, ssimConfigured / n);
    System.out.printf("WebP at equal SSIM saves %.1f%% of the JPEG bytes; WebP q%d (served) saves %.1f%%%n",
        100.0 * (jpegTotal - matchedTotal) / jpegTotal, configured, 100.0 * (jpegTotal - configuredTotal) / jpegTotal);
  }

  /** Mean SSIM of the luma of two same-sized images, 8x8 windows every 4 pixels. */
  static double ssim(BufferedImage a, BufferedImage b) {
    int w = a.getWidth();
    int h = a.getHeight();
    if (b.getWidth() != w || b.getHeight() != h) {
      throw new IllegalArgumentException(w + "x" + h + " vs " + b.getWidth() + "x" + b.getHeight());
    }
    double[] ya = luma(a);
    double[] yb = luma(b);
    double c1 = Math.pow(0.01 * 255, 2);
    double c2 = Math.pow(0.03 * 255, 2);
    double total = 0;
    int windows = 0;
    for (int y = 0; y + 8 <= h; y += 4) {
      for (int x = 0; x + 8 <= w; x += 4) {
        double ma = 0;
        double mb = 0;
        for (int j = 0; j < 8; j++) {
          for (int i = 0; i < 8; i++) {
            ma += ya[(y + j) * w + x + i];
            mb += yb[(y + j) * w + x + i];
          }
        }
        ma /= 64;
        mb /= 64;
        double va = 0;
        double vb = 0;
        double cov = 0;
        for (int j = 0; j < 8; j++) {
          for (int i = 0; i < 8; i++) {
            double da = ya[(y + j) * w + x + i] - ma;
            double db = yb[(y + j) * w + x + i] - mb;
            va += da * da;
            vb += db * db;
            cov += da * db;
          }
        }
        va /= 63;
        vb /= 63;
        cov /= 63;
        total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
        windows++;
      }
    }
    return total / windows;
  }

  private static double[] luma(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    double[] y = new double[w * h];
    int[] row = new int[w];
    for (int j = 0; j < h; j++) {
      img.getRGB(0, j, w, 1, row, 0, w);
      for (int i = 0; i < w; i++) {
        int p = row[i];
        y[j * w + i] = 0.299 * ((p >> 16) & 0xFF) + 0.587 * ((p >> 8) & 0xFF) + 0.114 * (p & 0xFF);
      }
    }
    return y;
  }
}
