package io.pinstream.media;

import com.luciad.imageio.webp.CompressionType;
import com.luciad.imageio.webp.WebPImageWriterSpi;
import com.luciad.imageio.webp.WebPWriteParam;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Lossy WebP encoding with libwebp (webp-imageio), for clients whose {@code Accept} names {@code image/webp}. The
 * output is a plain VP8 file: no EXIF, XMP or ICC chunk (the pixels are sRGB already). Safe to share.
 */
final class WebpEncoder {
  private final float quality;

  /** @param quality libwebp's quality, 0..1 (0.86: mean SSIM on the corpus at least that of the JPEGs at 0.85, see BENCHMARKS.md) */
  WebpEncoder(float quality) {
    this.quality = quality;
  }

  static boolean available() {
    return NativeWebp.available();
  }

  byte[] encode(BufferedImage img) {
    ImageWriter writer = new WebPImageWriterSpi().createWriterInstance(null);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 * 1024);
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      WebPWriteParam param = new WebPWriteParam(Locale.ROOT);
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionType(CompressionType.Lossy);
      param.setCompressionQuality(quality);
      writer.write(null, new IIOImage(img, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }
}
