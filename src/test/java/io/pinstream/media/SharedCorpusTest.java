package io.pinstream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Extra checks on the team's shared corpus (real photos and hostile files). Skipped when it is not there
 * (a plain clone); set PINSTREAM_CORPUS to its images directory if it lives elsewhere.
 */
class SharedCorpusTest {
  static Path images;
  static Path hostile;
  static final ThumbnailRenderer RENDERER = new ThumbnailRenderer();

  @BeforeAll
  static void locate() {
    images = Path.of(System.getenv().getOrDefault("PINSTREAM_CORPUS", "/work/shared/corpus/images"));
    hostile = images.resolveSibling("hostile");
  }

  static ThumbnailRenderer.Rendition render(Path p) throws IOException {
    return RENDERER.render(p, ImageProbe.probe(p, 50_000_000L));
  }

  static int[] meanRgb(byte[] jpeg) throws IOException {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(jpeg));
    long r = 0;
    long g = 0;
    long b = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int p = img.getRGB(x, y);
        r += (p >> 16) & 0xFF;
        g += (p >> 8) & 0xFF;
        b += p & 0xFF;
      }
    }
    long n = (long) img.getWidth() * img.getHeight();
    return new int[] {(int) (r / n), (int) (g / n), (int) (b / n)};
  }

  static void near(int[] actual, int r, int g, int b, int tolerance) {
    assertThat(Math.abs(actual[0] - r)).as("red %d vs %d", actual[0], r).isLessThanOrEqualTo(tolerance);
    assertThat(Math.abs(actual[1] - g)).as("green %d vs %d", actual[1], g).isLessThanOrEqualTo(tolerance);
    assertThat(Math.abs(actual[2] - b)).as("blue %d vs %d", actual[2], b).isLessThanOrEqualTo(tolerance);
  }

  @Test
  void hostileFilesGetTheRightAnswerFast() throws IOException {
    assumeThat(Files.isDirectory(hostile)).as("shared hostile corpus present").isTrue();
    Map<String, String> refused = Map.ofEntries(
        Map.entry("empty.jpg", "415 unsupported_media_type"),
        Map.entry("html-named.jpg", "415 unsupported_media_type"),
        Map.entry("script.svg", "415 unsupported_media_type"),
        Map.entry("svg-named.jpg", "415 unsupported_media_type"),
        Map.entry("png-magic-then-garbage.png", "422 image_corrupt"),
        Map.entry("png-ihdr-100000x100000-tiny-idat.png", "422 image_too_large"),
        Map.entry("png-bomb-valid-20000x20000-1bit.png", "422 image_too_large"),
        Map.entry("jpeg-sof-65000x65000.jpg", "422 image_too_large"),
        Map.entry("webp-bomb-valid-16383x16383-lossless.webp", "422 image_too_large"),
        Map.entry("truncated-40pct-baseline.jpg", "422 image_corrupt"),
        Map.entry("truncated-40pct-progressive.jpg", "422 image_corrupt"));
    refused.forEach((name, expected) -> {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> render(hostile.resolve(name))).as(name)
          .isInstanceOfSatisfying(ImageRejectedException.class,
              e -> assertThat(e.status() + " " + e.code()).as(name).isEqualTo(expected));
      assertThat((System.nanoTime() - t0) / 1_000_000).as(name + " ms").isLessThan(1000);
    });
    for (String name : new String[] {"gif-10000-frames.gif", "png-ztxt-100MB-text-bomb.png",
      "jpeg-60KB-comment-and-app15.jpg"}) {
      long t0 = System.nanoTime();
      var r = render(hostile.resolve(name));
      assertThat((System.nanoTime() - t0) / 1_000_000).as(name + " ms").isLessThan(2000);
      for (var t : r.thumbnails()) {
        assertThat(new String(t.jpeg(), StandardCharsets.ISO_8859_1)).doesNotContain("script");
      }
    }
    Path comment = hostile.resolve("jpeg-60KB-comment-and-app15.jpg");
    ByteArrayOutputStream orig = new ByteArrayOutputStream();
    MetadataStripper.strip(comment, ImageProbe.probe(comment, 50_000_000L), orig);
    assertThat(orig.size()).isLessThan(2000);
    assertThat(orig.toString(StandardCharsets.ISO_8859_1)).doesNotContain("script");
  }

  @Test
  void photosRenderUprightAndInTrueColour() throws IOException {
    assumeThat(Files.isDirectory(images)).as("shared image corpus present").isTrue();
    for (String name : new String[] {"mate-YellowFlower_orient6.jpg", "mate-TwoWings_orient8.jpg"}) {
      var t = render(images.resolve(name)).forWidth(736);
      assertThat(t.width() + "x" + t.height()).as(name).isEqualTo("736x1178");
    }
    // Adobe RGB rocket: ImageMagick + LCMS conversion to sRGB gives a mean of 41,58,81 (untouched: 52,61,82).
    near(meanRgb(render(images.resolve("skimage-rocket.jpg")).forWidth(736).jpeg()), 41, 58, 81, 3);
    // CMYK made by ImageMagick's formula conversion; converting it back the same way gives 110,131,72.
    near(meanRgb(render(images.resolve("mate-LadyBird_cmyk.jpg")).forWidth(736).jpeg()), 110, 131, 72, 6);
    var friends = render(images.resolve("lomiri-friends_by_Aitzol_Berasategi.jpg")).forWidth(736);
    assertThat(friends.width() + "x" + friends.height()).isEqualTo("736x1105");
    var rocket = render(images.resolve("skimage-rocket.jpg"));
    assertThat(rocket.forWidth(736).width()).isEqualTo(640);
    // chelsea.png carries the classic "sRGB IEC61966-2.1" profile: nothing to convert, no time spent.
    assertThat(Colours.pngProfile(images.resolve("skimage-chelsea.png"))).isNull();
    // Mostly transparent PNG: white behind, not black.
    near(meanRgb(render(images.resolve("mate-Arc-Colors-Transparent_alpha.png")).forWidth(236).jpeg()),
        250, 250, 250, 10);
  }

  @Test
  void origVariantLosesGpsButKeepsOrientationAndProfile() throws IOException {
    assumeThat(Files.isDirectory(images)).as("shared image corpus present").isTrue();
    Path gps = images.resolve("mate-Aqua_gps.jpg");
    assertThat(Files.readString(gps, StandardCharsets.ISO_8859_1)).contains("FakeCam");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MetadataStripper.strip(gps, ImageProbe.probe(gps, 50_000_000L), out);
    byte[] stripped = out.toByteArray();
    assertThat(TestImages.payloadOf(stripped, 0xE1)).isNull();
    assertThat(new String(stripped, StandardCharsets.ISO_8859_1)).doesNotContain("FakeCam")
        .doesNotContain("GPS-Test");

    Path six = images.resolve("mate-YellowFlower_orient6.jpg");
    out.reset();
    MetadataStripper.strip(six, ImageProbe.probe(six, 50_000_000L), out);
    byte[] exif = TestImages.payloadOf(out.toByteArray(), 0xE1);
    assertThat(ImageProbe.exifOrientation(exif, 6, exif.length - 6)).isEqualTo(6);

    Path rocket = images.resolve("skimage-rocket.jpg");
    out.reset();
    MetadataStripper.strip(rocket, ImageProbe.probe(rocket, 50_000_000L), out);
    assertThat(out.toString(StandardCharsets.ISO_8859_1)).contains("ICC_PROFILE");
  }
}
