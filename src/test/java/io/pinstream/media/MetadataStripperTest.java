package io.pinstream.media;

import static io.pinstream.media.TestImages.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataStripperTest {
  @TempDir
  Path dir;

  byte[] strip(String name, byte[] bytes) throws IOException {
    Path f = Files.write(dir.resolve(name), bytes);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MetadataStripper.strip(f, ImageProbe.probe(f, 50_000_000L), out);
    return out.toByteArray();
  }

  static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  static void samePixels(byte[] a, byte[] b) throws IOException {
    BufferedImage x = ImageIO.read(new ByteArrayInputStream(a));
    BufferedImage y = ImageIO.read(new ByteArrayInputStream(b));
    assertThat(y.getWidth()).isEqualTo(x.getWidth());
    assertThat(y.getHeight()).isEqualTo(x.getHeight());
    for (int i = 0; i < x.getWidth(); i += 7) {
      for (int j = 0; j < x.getHeight(); j += 7) {
        assertThat(y.getRGB(i, j)).isEqualTo(x.getRGB(i, j));
      }
    }
  }

  @Test
  void jpegLosesGpsCommentsAndAppSegmentsButStaysUpright() throws IOException {
    byte[] icc = segment(0xE2, ("ICC_PROFILE\0" + "\1\1fakeprofile").getBytes(StandardCharsets.ISO_8859_1));
    byte[] adobe = segment(0xEE, new byte[] {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 1});
    byte[] xmp = segment(0xE1, "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSSECRET</x:xmpmeta>"
        .getBytes(StandardCharsets.ISO_8859_1));
    byte[] base = jpeg(noise(300, 200, 1), false);
    byte[] src = insertAfterSoi(base, exifApp1(6), xmp, icc, adobe, comment("<script>alert(1)</script>"),
        segment(0xEF, new byte[60_000]));
    src = Arrays.copyOf(src, src.length + 20); // trailing junk after EOI (polyglot payload)
    System.arraycopy("<html>payload</html>".getBytes(), 0, src, src.length - 20, 20);

    byte[] out = strip("gps.jpg", src);

    String text = latin1(out);
    assertThat(text).doesNotContain("GPSSECRET").doesNotContain("SpyCam").doesNotContain("script")
        .doesNotContain("html").contains("ICC_PROFILE").contains("Adobe");
    assertThat(jpegMarkers(out)).doesNotContain(0xFE, 0xEF);
    byte[] exif = payloadOf(out, 0xE1);
    assertThat(exif).hasSize(6 + 26);
    assertThat(ImageProbe.exifOrientation(exif, 6, exif.length - 6)).isEqualTo(6);
    assertThat(out[out.length - 2] & 0xFF).isEqualTo(0xFF);
    assertThat(out[out.length - 1] & 0xFF).isEqualTo(0xD9);
    Path stripped = Files.write(dir.resolve("out.jpg"), out);
    assertThat(ImageProbe.probe(stripped, 1_000_000).orientation()).isEqualTo(6);
    samePixels(base, out);
  }

  @Test
  void jpegWithOrientation1LosesItsExifEntirely() throws IOException {
    byte[] out = strip("o1.jpg", insertAfterSoi(jpeg(noise(64, 40, 2), true), exifApp1(1)));
    assertThat(jpegMarkers(out)).doesNotContain(0xE1);
    assertThat(latin1(out)).doesNotContain("GPS");
  }

  @Test
  void progressiveJpegCopiesEveryScan() throws IOException {
    byte[] src = insertAfterSoi(jpeg(noise(200, 120, 3), true), comment("hello"));
    byte[] out = strip("p.jpg", src);
    assertThat(out.length).isEqualTo(src.length - 9);
    samePixels(src, out);
  }

  @Test
  void pngKeepsOnlyPixelAndColourChunks() throws IOException {
    byte[] base = encode(noise(50, 30, 4), "png");
    byte[] src = insertAfterIhdr(base,
        pngChunk("tEXt", "Comment\0GPSSECRET".getBytes(StandardCharsets.ISO_8859_1)),
        pngChunk("eXIf", new byte[] {'M', 'M', 0, 42}),
        pngChunk("gAMA", new byte[] {0, 0, (byte) 0xB1, (byte) 0x8F}),
        pngChunk("zTXt", new byte[1000]),
        pngChunk("prVt", new byte[10]));
    byte[] out = strip("t.png", src);
    assertThat(pngChunkTypes(out)).doesNotContain("tEXt", "eXIf", "zTXt", "prVt").contains("IHDR", "gAMA",
        "IDAT", "IEND");
    assertThat(latin1(out)).doesNotContain("GPSSECRET");
    samePixels(base, out);
  }

  static List<String> pngChunkTypes(byte[] png) {
    List<String> types = new ArrayList<>();
    int i = 8;
    while (i + 8 <= png.length) {
      int len = ((png[i] & 0xFF) << 24) | ((png[i + 1] & 0xFF) << 16) | ((png[i + 2] & 0xFF) << 8)
          | (png[i + 3] & 0xFF);
      types.add(new String(png, i + 4, 4, StandardCharsets.ISO_8859_1));
      i += 12 + len;
    }
    return types;
  }

  @Test
  void gifDropsCommentsKeepsFrames() throws IOException {
    byte[] src = tinyFramesGif(10, 10, 3, 0, 0);
    byte[] out = strip("c.gif", src);
    assertThat(latin1(out)).doesNotContain("hello");
    assertThat(out.length).isEqualTo(src.length - 9);
    Path f = Files.write(dir.resolve("out.gif"), out);
    assertThat(ImageProbe.probe(f, 1000).frameCount()).isEqualTo(3);
  }

  @Test
  void webpDropsExifAndClearsTheFlag() throws IOException {
    byte[] src = Files.readAllBytes(Path.of("src/test/resources/images/gradient-320x200-lossy.webp"));
    assertThat(latin1(src)).contains("EXIF");
    byte[] out = strip("w.webp", src);
    assertThat(latin1(out)).doesNotContain("EXIF");
    assertThat(out[20] & 0x0C).isZero(); // VP8X flags: no EXIF, no XMP
    int riffSize = (out[4] & 0xFF) | ((out[5] & 0xFF) << 8) | ((out[6] & 0xFF) << 16) | ((out[7] & 0xFF) << 24);
    assertThat(riffSize).isEqualTo(out.length - 8);
    Path f = Files.write(dir.resolve("out.webp"), out);
    ImageInfo info = ImageProbe.probe(f, 1_000_000);
    assertThat(info.storedWidth()).isEqualTo(320);
    assertThat(new ThumbnailRenderer().render(f, info).forWidth(236).width()).isEqualTo(236);
  }

  @Test
  void writesToAPathAtomicallyAndLeavesNothingOnFailure() throws IOException {
    Path out = Files.createDirectory(dir.resolve("store"));
    Path src = Files.write(dir.resolve("s.jpg"), insertAfterSoi(jpeg(noise(64, 40, 5), false), comment("x")));
    MetadataStripper.strip(src, ImageProbe.probe(src, 1_000_000), out.resolve("orig.jpg"));
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("orig.jpg");
    }
    byte[] full = Files.readAllBytes(src);
    Path cut = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(full, full.length / 2));
    ImageInfo info = ImageProbe.probe(cut, 1_000_000);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> MetadataStripper.strip(cut, info,
        out.resolve("cut.jpg"))).isInstanceOf(ImageRejectedException.class);
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("orig.jpg");
    }
  }
}
