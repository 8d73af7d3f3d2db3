package io.pinstream.media;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

@DisplayName("Native decoders: libjpeg-turbo's DCT scaling and libwebp's scaled WebP decoding")
class NativeDecodersTest {
  private static final long MB = 1L << 20;
  /** A thumbnail worker's share of a 128 MB heap with the default 2 workers. */
  private static final long WORKER_SHARE_OF_128MB = MediaProcessor.decodeLimit(128 * MB, 2);

  @TempDir
  Path dir;

  static BufferedImage redToBlue(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setPaint(new GradientPaint(0, 0, Color.RED, w, 0, Color.BLUE));
    g.fillRect(0, 0, w, h);
    g.dispose();
    return img;
  }

  static BufferedImage solid(int w, int h, Color c) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(c);
    g.fillRect(0, 0, w, h);
    g.dispose();
    return img;
  }

  private static long allocatedByThisThread() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  private static int rgbAt(byte[] jpeg, double fx, double fy) throws Exception {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(jpeg));
    return img.getRGB((int) (fx * (img.getWidth() - 1)), (int) (fy * (img.getHeight() - 1)));
  }

  @Test
  @DisplayName("libturbojpeg is found on this machine and DCT scaling picks the smallest scale at least the width needed")
  void dctScale() {
    assertThat(NativeJpeg.scaleDenominator(6000, 4000, 736, 491)).isEqualTo(8);
    assertThat(NativeJpeg.scaleDenominator(5000, 3000, 736, 442)).isEqualTo(4);
    assertThat(NativeJpeg.scaleDenominator(2560, 1600, 736, 460)).isEqualTo(2);
    assertThat(NativeJpeg.scaleDenominator(1000, 700, 736, 515)).isEqualTo(1);
    assertThat(NativeJpeg.scaleDenominator(5888, 3000, 736, 375)).isEqualTo(8); // 736 exactly
    assumeThat(Files.exists(Path.of(NativeJpeg.DEFAULT_JAR))).as("libturbojpeg-java installed").isTrue();
    assertThat(NativeJpeg.available()).as(NativeJpeg.describe()).isTrue();
  }

  @Test
  @DisplayName("a JPEG decoded by libjpeg-turbo at 1/4 looks like the ImageIO decode, and a truncated one is refused")
  void nativeJpegMatchesImageIo() throws Exception {
    assumeThat(NativeJpeg.available()).as("libturbojpeg-java installed").isTrue();
    Path photo = Files.write(dir.resolve("p.jpg"), TestImages.jpeg(redToBlue(3200, 2000), false));
    ImageInfo info = ImageProbe.probe(photo, 50_000_000L);
    var turbo = new ThumbnailRenderer().render(photo, info).forWidth(736);
    var java = new ThumbnailRenderer(0.85f, ThumbnailRenderer.JpegReaderChoice.TWELVEMONKEYS).render(photo, info)
        .forWidth(736);
    assertThat(turbo.width() + "x" + turbo.height()).isEqualTo("736x460").isEqualTo(java.width() + "x" + java.height());
    for (double x : new double[] {0.05, 0.5, 0.95}) {
      int a = rgbAt(turbo.jpeg(), x, 0.5);
      int b = rgbAt(java.jpeg(), x, 0.5);
      for (int shift : new int[] {16, 8, 0}) {
        assertThat(Math.abs(((a >> shift) & 0xFF) - ((b >> shift) & 0xFF))).as("x=%s", x).isLessThan(8);
      }
    }
    byte[] progressive = TestImages.jpeg(TestImages.noise(1600, 1000, 5), true);
    Path cut = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(progressive, progressive.length * 2 / 5));
    assertThatThrownBy(() -> new ThumbnailRenderer().render(cut, ImageProbe.probe(cut, 50_000_000L)))
        .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.code()).isEqualTo("image_corrupt"));
  }

  @Test
  @DisplayName("a 16.8 MP lossy WebP renders within a worker's share of a 128 MB heap (allocations measured)")
  void largeLossyWebp() throws Exception {
    assumeThat(NativeWebp.available()).as("libwebp loaded").isTrue();
    Path webp = Files.write(dir.resolve("big.webp"), new WebpEncoder(0.8f).encode(redToBlue(5016, 3344)));
    ImageInfo info = ImageProbe.probe(webp, 50_000_000L);
    assertThat(info.pixels()).isGreaterThan(16_700_000L);
    long budget = ThumbnailRenderer.decodeBytes(info, Files.size(webp));
    assertThat(budget).isLessThan(WORKER_SHARE_OF_128MB);
    long before = allocatedByThisThread();
    var rendition = new ThumbnailRenderer().render(webp, info);
    long allocated = allocatedByThisThread() - before;
    // Everything the render allocated, garbage included: the heap in use can never have grown by more.
    assertThat(allocated).as("bytes allocated by the render").isLessThan(WORKER_SHARE_OF_128MB);
    var t = rendition.forWidth(736);
    assertThat(t.width() + "x" + t.height()).isEqualTo("736x491");
    assertThat((rgbAt(t.jpeg(), 0.02, 0.5) >> 16) & 0xFF).isGreaterThan(200);
    assertThat(rgbAt(t.jpeg(), 0.98, 0.5) & 0xFF).isGreaterThan(200);
  }

  @Test
  @DisplayName("lossless WebP renders (the checked-in 320x200 file)")
  void losslessWebp() throws Exception {
    Path file = Files.write(dir.resolve("l.webp"),
        getClass().getResourceAsStream("/images/gradient-320x200-lossless.webp").readAllBytes());
    ImageInfo info = ImageProbe.probe(file, 50_000_000L);
    assertThat(info.progressive()).as("lossless").isTrue();
    var t = new ThumbnailRenderer().render(file, info).forWidth(236);
    assertThat(t.width() + "x" + t.height()).isEqualTo("236x148");
  }

  @Test
  @DisplayName("an animated WebP gives its first frame, placed on its canvas")
  void animatedWebpFirstFrame() throws Exception {
    assumeThat(NativeWebp.available()).as("libwebp loaded").isTrue();
    WebpEncoder encoder = new WebpEncoder(0.9f);
    byte[] red = encoder.encode(solid(400, 300, Color.RED));
    byte[] blue = encoder.encode(solid(400, 300, Color.BLUE));
    Path file = Files.write(dir.resolve("anim.webp"), animated(400, 300, red, blue));
    ImageInfo info = ImageProbe.probe(file, 50_000_000L);
    assertThat(info.frameCount()).isEqualTo(2);
    var t = new ThumbnailRenderer().render(file, info).forWidth(236);
    assertThat(t.width() + "x" + t.height()).isEqualTo("236x177");
    int p = rgbAt(t.jpeg(), 0.5, 0.5);
    assertThat((p >> 16) & 0xFF).isGreaterThan(200);
    assertThat(p & 0xFF).isLessThan(60);
  }

  /** An animation (VP8X + ANIM + one ANMF per frame) made of still WebP files of the canvas size. */
  static byte[] animated(int w, int h, byte[]... stills) {
    ByteArrayOutputStream chunks = new ByteArrayOutputStream();
    byte[] vp8x = new byte[10];
    vp8x[0] = 0x02; // animation
    le24(vp8x, 4, w - 1);
    le24(vp8x, 7, h - 1);
    chunk(chunks, "VP8X", vp8x);
    chunk(chunks, "ANIM", new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0});
    for (byte[] still : stills) {
      byte[] bitstream = Arrays.copyOfRange(still, 12, still.length); // the VP8 chunk, header included
      byte[] anmf = new byte[16 + bitstream.length];
      le24(anmf, 6, w - 1);
      le24(anmf, 9, h - 1);
      le24(anmf, 12, 100); // duration
      System.arraycopy(bitstream, 0, anmf, 16, bitstream.length);
      chunk(chunks, "ANMF", anmf);
    }
    byte[] body = chunks.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("RIFF".getBytes(StandardCharsets.US_ASCII));
    byte[] size = new byte[4];
    le24(size, 0, body.length + 4);
    size[3] = (byte) ((body.length + 4) >>> 24);
    out.writeBytes(size);
    out.writeBytes("WEBP".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(body);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    out.writeBytes(type.getBytes(StandardCharsets.US_ASCII));
    byte[] size = new byte[4];
    le24(size, 0, data.length);
    size[3] = (byte) (data.length >>> 24);
    out.writeBytes(size);
    out.writeBytes(data);
    if ((data.length & 1) == 1) {
      out.write(0);
    }
  }

  private static void le24(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >> 8);
    b[off + 2] = (byte) (v >> 16);
  }
}
