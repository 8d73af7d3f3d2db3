package io.pinstream.media;

import static io.pinstream.media.TestImages.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageProbeTest {
  static final long LIMIT = 50_000_000L;

  @TempDir
  Path dir;

  Path file(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  ImageInfo probe(byte[] bytes) throws IOException {
    return ImageProbe.probe(file("f", bytes), LIMIT);
  }

  static void rejected(ThrowingCallable call, int status, String code) {
    assertThatThrownBy(call).isInstanceOfSatisfying(ImageRejectedException.class, e -> {
      assertThat(e.status()).isEqualTo(status);
      assertThat(e.code()).isEqualTo(code);
    });
  }

  @Test
  void jpegBaselineAndProgressive() throws IOException {
    ImageInfo base = probe(jpeg(redOverBlue(300, 200), false));
    assertThat(base).isEqualTo(new ImageInfo(ImageFormat.JPEG, 300, 200, 1, false, 1));
    ImageInfo prog = probe(jpeg(redOverBlue(300, 200), true));
    assertThat(prog.progressive()).isTrue();
  }

  @Test
  void jpegOrientationFromExifSwapsDisplayAxes() throws IOException {
    for (int o = 1; o <= 8; o++) {
      ImageInfo info = probe(insertAfterSoi(jpeg(redOverBlue(300, 200), false), exifApp1(o)));
      assertThat(info.orientation()).isEqualTo(o);
      assertThat(info.displayWidth()).isEqualTo(o >= 5 ? 200 : 300);
      assertThat(info.displayHeight()).isEqualTo(o >= 5 ? 300 : 200);
    }
  }

  @Test
  void pngGifWebp() throws IOException {
    assertThat(probe(encode(redOverBlue(40, 30), "png")))
        .isEqualTo(new ImageInfo(ImageFormat.PNG, 40, 30, 1, false, 1));
    assertThat(probe(tinyFramesGif(100, 50, 3, 0, 0)))
        .isEqualTo(new ImageInfo(ImageFormat.GIF, 100, 50, 1, false, 3, 1));
    for (String name : new String[] {"gradient-320x200-lossy.webp", "gradient-320x200-lossless.webp"}) {
      Path webp = Path.of("src/test/resources/images", name);
      ImageInfo info = ImageProbe.probe(webp, LIMIT);
      assertThat(info.format()).isEqualTo(ImageFormat.WEBP);
      assertThat(info.storedWidth()).isEqualTo(320);
      assertThat(info.storedHeight()).isEqualTo(200);
    }
  }

  @Test
  void webpHeadersByHand() throws IOException {
    // VP8L 16383x16383: 268 MP declared in 5 bytes.
    long bits = (16382L) | (16382L << 14);
    byte[] vp8l = riff("VP8L", new byte[] {0x2F, (byte) bits, (byte) (bits >> 8), (byte) (bits >> 16),
      (byte) (bits >> 24)});
    rejected(() -> probe(vp8l), 422, "image_too_large");
    // VP8X canvas 64x32 followed by an EXIF chunk with orientation 8.
    byte[] exif = Arrays.copyOfRange(exifApp1(8), 4, exifApp1(8).length);
    byte[] vp8x = {0x08, 0, 0, 0, 63, 0, 0, 31, 0, 0};
    byte[] riff = riff("VP8X", vp8x, "EXIF", exif);
    ImageInfo info = probe(riff);
    assertThat(info).isEqualTo(new ImageInfo(ImageFormat.WEBP, 64, 32, 8, false, 1));
  }

  static byte[] riff(Object... typeAndData) {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    body.writeBytes("WEBP".getBytes(StandardCharsets.ISO_8859_1));
    for (int i = 0; i < typeAndData.length; i += 2) {
      byte[] d = (byte[]) typeAndData[i + 1];
      body.writeBytes(((String) typeAndData[i]).getBytes(StandardCharsets.ISO_8859_1));
      body.writeBytes(new byte[] {(byte) d.length, (byte) (d.length >> 8), (byte) (d.length >> 16), 0});
      body.writeBytes(d);
      if ((d.length & 1) != 0) {
        body.write(0);
      }
    }
    byte[] b = body.toByteArray();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes("RIFF".getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(new byte[] {(byte) b.length, (byte) (b.length >> 8), (byte) (b.length >> 16), 0});
    out.writeBytes(b);
    return out.toByteArray();
  }

  @Test
  void notImagesAre415() {
    rejected(() -> probe(new byte[0]), 415, "unsupported_media_type");
    rejected(() -> probe("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".getBytes()),
        415, "unsupported_media_type");
    rejected(() -> probe("<?xml version=\"1.0\"?><svg/>".getBytes()), 415, "unsupported_media_type");
    rejected(() -> probe("<!DOCTYPE html><script>alert(1)</script>".getBytes()), 415,
        "unsupported_media_type");
    rejected(() -> probe("just some text".getBytes()), 415, "unsupported_media_type");
    rejected(() -> probe(new byte[] {'B', 'M', 0, 0, 0, 0}), 415, "unsupported_media_type");
  }

  @Test
  void declaredBombsAre422FromTheHeader() throws IOException {
    rejected(() -> probe(pngHeader(100_000, 100_000)), 422, "image_too_large");
    rejected(() -> probe(pngHeader(20_000, 20_000)), 422, "image_too_large");
    rejected(() -> probe(pngHeader(16_385, 10)), 422, "image_too_large");
    rejected(() -> probe(patchSof(jpeg(redOverBlue(64, 40), false), 65000, 65000)), 422, "image_too_large");
    assertThat(ImageProbe.probe(file("ok", pngHeader(16_384, 16)), LIMIT).storedWidth()).isEqualTo(16_384);
    rejected(() -> ImageProbe.probe(file("small", pngHeader(1000, 1000)), 999_999), 422, "image_too_large");
  }

  @Test
  void malformedHeadersAre422Corrupt() throws IOException {
    byte[] garbage = new byte[4000];
    new java.util.Random(1).nextBytes(garbage);
    byte[] pngGarbage = new byte[8 + garbage.length];
    System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, 0, pngGarbage, 0, 8);
    System.arraycopy(garbage, 0, pngGarbage, 8, garbage.length);
    rejected(() -> probe(pngGarbage), 422, "image_corrupt");
    byte[] badCrc = pngHeader(10, 10);
    badCrc[29] ^= 1;
    rejected(() -> probe(badCrc), 422, "image_corrupt");
    // JPEG with SOI and a DQT but no SOF before the data starts
    rejected(() -> probe(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xDA, 0, 2}), 422,
        "image_corrupt");
    byte[] truncatedHeader = Arrays.copyOf(jpeg(redOverBlue(64, 40), false), 30);
    rejected(() -> probe(truncatedHeader), 422, "image_corrupt");
    rejected(() -> probe(pngHeader(0, 10)), 422, "image_corrupt");
  }

  @Test
  void metadataIsSkippedNotRead() throws IOException {
    // A 20 MB zTXt-like chunk before IDAT costs a seek, not a read.
    byte[] big = new byte[20_000_000];
    byte[] png = insertAfterIhdr(encode(redOverBlue(4, 4), "png"), pngChunk("zTXt", big));
    long t0 = System.nanoTime();
    assertThat(probe(png).storedWidth()).isEqualTo(4);
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2000);
  }

  @Test
  void gifWithManyFramesIsCountedCheaply() throws IOException {
    ImageInfo info = probe(tinyFramesGif(1000, 1000, 10_000, 500, 500));
    assertThat(info.frameCount()).isEqualTo(10_000);
    assertThat(info.storedWidth()).isEqualTo(1000);
  }

  @Test
  @DisplayName("a GIF frame larger than the pixel limit is refused from its image descriptor, whatever the screen says")
  void gifFrameDescriptorsAreChecked() throws IOException {
    rejected(() -> probe(TestImages.gifWithFrame(1, 1, 0, 0, 46_000, 46_000)), 422, "image_too_large");
    // Past the side limit by its position alone.
    rejected(() -> probe(TestImages.gifWithFrame(1, 1, 16_000, 0, 1_000, 1)), 422, "image_too_large");
    // Within the side limit but over the pixel budget by position + size.
    rejected(() -> ImageProbe.probe(file("pos", TestImages.gifWithFrame(10, 10, 2_000, 2_000, 10, 10)), 1_000_000),
        422, "image_too_large");
    // A later frame counts as much as the first.
    byte[] laterFrame = TestImages.appendGifFrame(TestImages.tinyFramesGif(10, 10, 2, 0, 0), 0, 0, 40_000, 40_000);
    rejected(() -> probe(laterFrame), 422, "image_too_large");
    ImageInfo ok = probe(TestImages.gifWithFrame(100, 100, 10, 10, 50, 40));
    assertThat(ok.storedWidth()).isEqualTo(100);
    assertThat(ok.firstFramePixels()).isEqualTo(2000);
  }

  @Test
  @DisplayName("a WebP canvas (VP8X) whose VP8/VP8L bitstream declares another size is corrupt, a larger one over the limit too large")
  void webpInnerHeadersAreCheckedAgainstTheCanvas() throws IOException {
    byte[] canvas64x32 = {0x00, 0, 0, 0, 63, 0, 0, 31, 0, 0};
    rejected(() -> probe(riff("VP8X", canvas64x32, "VP8L", vp8l(16_383, 16_383))), 422, "image_too_large");
    rejected(() -> probe(riff("VP8X", canvas64x32, "VP8 ", vp8(16_000, 16_000))), 422, "image_too_large");
    rejected(() -> probe(riff("VP8X", canvas64x32, "VP8L", vp8l(128, 64))), 422, "image_corrupt");
    rejected(() -> probe(riff("VP8X", canvas64x32, "VP8 ", vp8(32, 16))), 422, "image_corrupt");
    // An animation frame: its rectangle must lie on the canvas and its bitstream must match it.
    rejected(() -> probe(riff("VP8X", canvas64x32, "ANMF", anmf(0, 0, 64, 32, "VP8L", vp8l(9_000, 9_000)))), 422,
        "image_too_large");
    rejected(() -> probe(riff("VP8X", canvas64x32, "ANMF", anmf(40, 0, 64, 32, "VP8L", vp8l(64, 32)))), 422,
        "image_corrupt");
    assertThat(probe(riff("VP8X", canvas64x32, "VP8L", vp8l(64, 32))).storedWidth()).isEqualTo(64);
    assertThat(probe(riff("VP8X", canvas64x32, "ANMF", anmf(0, 0, 64, 32, "VP8L", vp8l(64, 32)))).frameCount())
        .isEqualTo(1);
  }

  static byte[] vp8l(int w, int h) {
    long bits = (w - 1L) | ((h - 1L) << 14);
    return new byte[] {0x2F, (byte) bits, (byte) (bits >> 8), (byte) (bits >> 16), (byte) (bits >> 24)};
  }

  /** A VP8 key frame header (frame tag, start code, sizes) and a few bytes of nothing. */
  static byte[] vp8(int w, int h) {
    return new byte[] {0x10, 0x02, 0x00, (byte) 0x9D, 0x01, 0x2A, (byte) w, (byte) ((w >> 8) & 0x3F), (byte) h,
      (byte) ((h >> 8) & 0x3F), 0, 0};
  }

  static byte[] anmf(int x, int y, int w, int h, String type, byte[] bitstream) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int v : new int[] {x / 2, y / 2, w - 1, h - 1, 100}) {
      out.writeBytes(new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16)});
    }
    out.write(0);
    out.writeBytes(type.getBytes(StandardCharsets.ISO_8859_1));
    int n = bitstream.length;
    out.writeBytes(new byte[] {(byte) n, (byte) (n >> 8), (byte) (n >> 16), 0});
    out.writeBytes(bitstream);
    if ((n & 1) != 0) {
      out.write(0);
    }
    return out.toByteArray();
  }

  @Test
  void jpegWithJunkBetweenSegmentsIsTolerated() throws IOException {
    byte[] j = jpeg(redOverBlue(64, 40), false);
    byte[] padded = insertAfterSoi(j, comment("x"), new byte[] {0, 0, 0});
    assertThat(probe(padded).storedWidth()).isEqualTo(64);
    byte[] junk = new byte[5000];
    rejected(() -> probe(insertAfterSoi(j, comment("x"), junk)), 422, "image_corrupt");
  }
}
