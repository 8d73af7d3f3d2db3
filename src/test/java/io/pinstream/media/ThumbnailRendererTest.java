package io.pinstream.media;

import static io.pinstream.media.TestImages.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThumbnailRendererTest {
  static final ThumbnailRenderer RENDERER = new ThumbnailRenderer();

  @TempDir
  Path dir;

  ThumbnailRenderer.Rendition render(String name, byte[] bytes) throws IOException {
    Path f = Files.write(dir.resolve(name), bytes);
    return RENDERER.render(f, ImageProbe.probe(f, 50_000_000L));
  }

  static BufferedImage decode(ThumbnailRenderer.Thumbnail t) throws IOException {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(t.jpeg()));
    assertThat(img.getWidth()).isEqualTo(t.width());
    assertThat(img.getHeight()).isEqualTo(t.height());
    return img;
  }

  static void assertColour(int rgb, int r, int g, int b) {
    Color c = new Color(rgb);
    assertThat(Math.abs(c.getRed() - r)).as("red of %s", c).isLessThan(40);
    assertThat(Math.abs(c.getGreen() - g)).as("green of %s", c).isLessThan(40);
    assertThat(Math.abs(c.getBlue() - b)).as("blue of %s", c).isLessThan(40);
  }

  @Test
  void threeWidthsFromOneLandscapeJpeg() throws IOException {
    var r = render("a.jpg", jpeg(redOverBlue(3000, 1500), false));
    assertThat(r.thumbnails()).extracting(ThumbnailRenderer.Thumbnail::targetWidth).containsExactly(736, 474, 236);
    assertThat(r.forWidth(736)).extracting(t -> t.width() + "x" + t.height()).isEqualTo("736x368");
    assertThat(r.forWidth(474)).extracting(t -> t.width() + "x" + t.height()).isEqualTo("474x237");
    assertThat(r.forWidth(236)).extracting(t -> t.width() + "x" + t.height()).isEqualTo("236x118");
    for (var t : r.thumbnails()) {
      BufferedImage img = decode(t);
      assertColour(img.getRGB(t.width() / 2, t.height() / 4), 255, 0, 0);
      assertColour(img.getRGB(t.width() / 2, 3 * t.height() / 4), 0, 0, 255);
    }
    assertThat(r.dominantColor()).matches("#[0-9a-f]{6}");
  }

  @Test
  void neverUpscales() throws IOException {
    var r = render("small.png", encode(redOverBlue(300, 150), "png"));
    assertThat(r.thumbnails()).extracting(t -> t.width() + "x" + t.height())
        .containsExactly("300x150", "300x150", "236x118");
  }

  @Test
  void orientation6And8ComeOutUpright() throws IOException {
    // Stored 1600x800 landscape, red on top. Orientation 6 (90 degrees clockwise) puts the stored top on
    // the right; 8 (90 counter-clockwise) puts it on the left. Both display as 800x1600 portraits.
    byte[] stored = jpeg(redOverBlue(1600, 800), false);
    for (int o : new int[] {6, 8}) {
      var r = render("o" + o + ".jpg", insertAfterSoi(stored, exifApp1(o)));
      var t = r.forWidth(736);
      assertThat(t.width() + "x" + t.height()).isEqualTo("736x1472");
      assertThat(r.forWidth(236).width() + "x" + r.forWidth(236).height()).isEqualTo("236x472");
      BufferedImage img = decode(t);
      int left = img.getRGB(t.width() / 4, t.height() / 2);
      int right = img.getRGB(3 * t.width() / 4, t.height() / 2);
      if (o == 6) {
        assertColour(right, 255, 0, 0);
        assertColour(left, 0, 0, 255);
      } else {
        assertColour(left, 255, 0, 0);
        assertColour(right, 0, 0, 255);
      }
    }
  }

  @Test
  void orientationsFlipAndRotateCorrectly() {
    // 3x2 image with distinct pixels; check where pixel (0,0) lands for each orientation.
    BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < 6; i++) {
      img.setRGB(i % 3, i / 3, i + 1);
    }
    int[][] corner = {null, {0, 0}, {2, 0}, {2, 1}, {0, 1}, {0, 0}, {1, 0}, {1, 2}, {0, 2}};
    for (int o = 1; o <= 8; o++) {
      BufferedImage up = ThumbnailRenderer.orient(img, o);
      assertThat(up.getWidth()).isEqualTo(o >= 5 ? 2 : 3);
      assertThat(up.getRGB(corner[o][0], corner[o][1]) & 0xFFFFFF).as("orientation %d", o).isEqualTo(1);
    }
  }

  @Test
  void alphaIsFlattenedOntoWhite() throws IOException {
    BufferedImage argb = new BufferedImage(1000, 500, BufferedImage.TYPE_INT_ARGB);
    Graphics2D g = argb.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(400, 200, 200, 100);
    g.dispose();
    var r = render("alpha.png", encode(argb, "png"));
    var t = r.forWidth(736);
    BufferedImage img = decode(t);
    assertColour(img.getRGB(5, 5), 255, 255, 255);
    assertColour(img.getRGB(t.width() / 2, t.height() / 2), 255, 0, 0);
    assertColour(Integer.parseInt(r.dominantColor().substring(1), 16), 255, 255, 255);
  }

  @Test
  void gifTakesTheFirstFrameOnItsScreen() throws IOException {
    var r = render("many.gif", tinyFramesGif(1000, 1000, 5000, 0, 0));
    var t = r.forWidth(736);
    assertThat(t.width() + "x" + t.height()).isEqualTo("736x736");
    assertColour(decode(t).getRGB(600, 600), 255, 255, 255); // outside the 1x1 first frame: white
  }

  @Test
  void greyscaleJpeg() throws IOException {
    BufferedImage grey = new BufferedImage(800, 400, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = grey.createGraphics();
    g.setColor(new Color(128, 128, 128));
    g.fillRect(0, 0, 800, 400);
    g.dispose();
    var t = render("grey.jpg", jpeg(grey, false)).forWidth(736);
    assertColour(decode(t).getRGB(100, 100), 128, 128, 128);
  }

  @Test
  void cmykJpegWithAdobeMarkerKeepsItsColours() throws IOException {
    // Adobe CMYK JPEGs store inverted ink values: 255-C, 255-M, 255-Y, 255-K. Pure magenta+yellow is red.
    WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 800, 400, 4, null);
    int[] ink = {255, 0, 0, 255};
    for (int y = 0; y < 400; y++) {
      for (int x = 0; x < 800; x++) {
        raster.setPixel(x, y, ink);
      }
    }
    ImageWriter writer = null;
    for (var it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
      ImageWriter w = it.next();
      if (w.getClass().getName().startsWith("com.sun.")) {
        writer = w;
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (var out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(raster, null, null), null);
    }
    byte[] adobe = segment(0xEE, new byte[] {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0});
    var r = render("cmyk.jpg", insertAfterSoi(bytes.toByteArray(), adobe));
    assertColour(decode(r.forWidth(736)).getRGB(300, 100), 255, 0, 0);
  }

  @Test
  void outputsCarryNoMetadata() throws IOException {
    byte[] src = insertAfterSoi(jpeg(redOverBlue(1200, 800), false),
        exifApp1(1), comment("<script>alert(1)</script>"), segment(0xEF, new byte[60_000]));
    Set<Integer> allowed = Set.of(0xD8, 0xE0, 0xDB, 0xC0, 0xC1, 0xC2, 0xC4, 0xDD, 0xDA);
    for (var t : render("meta.jpg", src).thumbnails()) {
      List<Integer> markers = jpegMarkers(t.jpeg());
      assertThat(allowed).containsAll(markers);
      assertThat(markers).contains(0xC0).doesNotContain(0xC2); // baseline
      assertThat(new String(t.jpeg(), java.nio.charset.StandardCharsets.ISO_8859_1))
          .doesNotContain("script").doesNotContain("SpyCam").doesNotContain("GPSSECRET");
    }
  }

  @Test
  void webpLossyAndLossless() throws IOException {
    for (String name : new String[] {"gradient-320x200-lossy.webp", "gradient-320x200-lossless.webp"}) {
      Path f = Path.of("src/test/resources/images", name);
      var r = RENDERER.render(f, ImageProbe.probe(f, 50_000_000L));
      var t = r.forWidth(236);
      assertThat(t.width() + "x" + t.height()).isEqualTo("236x148");
      BufferedImage img = decode(t);
      assertColour(img.getRGB(118, 2), 255, 0, 0);   // gradient: red at the top
      assertColour(img.getRGB(118, 145), 0, 0, 255); // blue at the bottom
    }
  }

  @Test
  void truncatedJpegsAreRefused() throws IOException {
    for (boolean progressive : new boolean[] {false, true}) {
      byte[] full = jpeg(noise(800, 600, 7), progressive);
      byte[] cut = Arrays.copyOf(full, full.length * 4 / 10);
      assertThatThrownBy(() -> render("cut.jpg", cut))
          .isInstanceOfSatisfying(ImageRejectedException.class, e -> {
            assertThat(e.status()).isEqualTo(422);
            assertThat(e.code()).isEqualTo("image_corrupt");
          });
    }
  }

  @Test
  void undecodableDataIsCorruptNotAServerError() throws IOException {
    byte[] png = encode(noise(100, 100, 3), "png");
    for (int i = 60; i < png.length - 20; i++) {
      png[i] = (byte) (png[i] * 31 + 7);
    }
    byte[] broken = png;
    assertThatThrownBy(() -> render("broken.png", broken)).isInstanceOfSatisfying(ImageRejectedException.class,
        e -> assertThat(e.code()).isEqualTo("image_corrupt"));
  }

  @Test
  void pngIccProfileIsConvertedToSrgb() throws IOException {
    BufferedImage grey = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = grey.createGraphics();
    g.setColor(new Color(128, 128, 128));
    g.fillRect(0, 0, 300, 200);
    g.dispose();
    byte[] profile = java.awt.color.ICC_Profile.getInstance(java.awt.color.ColorSpace.CS_LINEAR_RGB).getData();
    java.util.zip.Deflater deflater = new java.util.zip.Deflater();
    deflater.setInput(profile);
    deflater.finish();
    byte[] z = new byte[profile.length + 1024];
    int zlen = deflater.deflate(z);
    deflater.end();
    ByteArrayOutputStream iccp = new ByteArrayOutputStream();
    iccp.writeBytes("Linear RGB\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    iccp.write(z, 0, zlen);
    byte[] png = insertAfterIhdr(encode(grey, "png"), pngChunk("iCCP", iccp.toByteArray()));
    // Linear 0.5 is sRGB ~188; ignoring the profile would leave 128.
    int v = new Color(decode(render("linear.png", png).forWidth(236)).getRGB(50, 50)).getGreen();
    assertThat(v).isBetween(180, 196);
    int untagged = new Color(decode(render("plain.png", encode(grey, "png")).forWidth(236)).getRGB(50, 50))
        .getGreen();
    assertThat(untagged).isBetween(125, 131);
  }
}
