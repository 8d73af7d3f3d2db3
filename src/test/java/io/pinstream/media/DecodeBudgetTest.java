package io.pinstream.media;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Decode memory: one render's budget from the header, refused up front over a worker's share of the heap")
class DecodeBudgetTest {
  private static final long MB = 1L << 20;

  @TempDir
  Path dir;

  @Test
  @DisplayName("the budget follows the formula: decoded pixels at the subsampling used, plus full-size decoder state")
  void formula() {
    // 3000x2000 baseline JPEG: subsampling 2, 1500x1000 decoded, 4 + 8 bytes each, plus 1 MB.
    ImageInfo baseline = new ImageInfo(ImageFormat.JPEG, 3000, 2000, 1, false, 1);
    assertThat(ThumbnailRenderer.decodeBytes(baseline)).isEqualTo(1500L * 1000 * 12 + MB);
    // Progressive: libjpeg keeps every coefficient of the full image.
    ImageInfo progressive = new ImageInfo(ImageFormat.JPEG, 3000, 2000, 1, true, 1);
    assertThat(ThumbnailRenderer.decodeBytes(progressive)).isEqualTo(1500L * 1000 * 12 + 3000L * 2000 * 6 + MB);
    ImageInfo webp = new ImageInfo(ImageFormat.WEBP, 2000, 2000, 1, false, 1);
    ImageInfo lossless = new ImageInfo(ImageFormat.WEBP, 2000, 2000, 1, true, 1);
    if (NativeWebp.available()) {
      // libwebp scales while decoding (to 736 wide here); lossless keeps a full ARGB image; the file is copied 3 times.
      assertThat(ThumbnailRenderer.decodeBytes(webp, 1000)).isEqualTo(737L * 737 * 12 + 3000 + MB);
      assertThat(ThumbnailRenderer.decodeBytes(lossless)).isEqualTo(737L * 737 * 12 + 2000L * 2000 * 4 + MB);
    } else {
      // Pure Java: decoded at full size with ~32 bytes of state per pixel.
      assertThat(ThumbnailRenderer.decodeBytes(webp)).isEqualTo(2000L * 2000 * (8 + 32) + MB);
    }
    // A GIF's first frame counts even when it is larger than its 1x1 screen.
    ImageInfo gif = new ImageInfo(ImageFormat.GIF, 1, 1, 1, false, 1, 6000L * 6000);
    assertThat(ThumbnailRenderer.decodeBytes(gif)).isEqualTo(12 + 6000L * 6000 + MB);
  }

  @Test
  @DisplayName("an image whose budget exceeds the limit is 422 image_too_large before any decode; a smaller one passes")
  void overTheLimitIsRefusedAtTheProbe() throws Exception {
    MediaProcessor processor = MediaProcessor.withDecodeLimit(new MediaStorage(dir), 50_000_000L, 16 * MB,
        new SimpleMeterRegistry());
    // Within the pixel limit (9 MP), but a lossless 9 MP WebP's state (32 bytes a pixel in Java, 4 in libwebp) is
    // over 16 MB.
    Path webp = Files.write(dir.resolve("big.webp"), ImageProbeTest.riff("VP8L", ImageProbeTest.vp8l(3000, 3000)));
    assertThatThrownBy(() -> processor.probe(webp)).isInstanceOfSatisfying(ImageRejectedException.class, e -> {
      assertThat(e.status()).isEqualTo(422);
      assertThat(e.code()).isEqualTo("image_too_large");
    });
    // A 1x1 GIF screen whose first frame is 5000x5000: 25 MB of indexed pixels.
    Path gif = Files.write(dir.resolve("frame.gif"), TestImages.gifWithFrame(1, 1, 0, 0, 5000, 5000));
    assertThatThrownBy(() -> processor.probe(gif)).isInstanceOf(ImageRejectedException.class)
        .hasMessageContaining("MB");
    Path small = Files.write(dir.resolve("small.webp"), ImageProbeTest.riff("VP8L", ImageProbeTest.vp8l(500, 400)));
    assertThat(processor.probe(small).storedWidth()).isEqualTo(500);
    Path photo = Files.write(dir.resolve("photo.jpg"), TestImages.jpeg(TestImages.noise(1000, 700, 3), false));
    assertThat(processor.probe(photo).storedWidth()).isEqualTo(1000);
  }

  @Test
  @DisplayName("by default a render may use half the heap divided by the number of workers")
  void defaultLimitIsAShareOfTheHeap() {
    assertThat(MediaProcessor.decodeLimit(1024 * MB, 2)).isEqualTo(256 * MB);
    assertThat(MediaProcessor.decodeLimit(1024 * MB, 0)).isEqualTo(512 * MB);
  }
}
