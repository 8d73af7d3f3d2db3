package io.pinstream.media;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.plugins.jpeg.JPEGImageWriteParam;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** JPEG encoding for {@link ThumbnailRenderer}, with the JDK's writer. Safe to share between threads. */
final class JpegEncoder {
  private final float quality;

  JpegEncoder(float quality) {
    this.quality = quality;
  }

  /** The image as a baseline JPEG, Huffman tables optimised, with no metadata at all (at most a JFIF APP0). */
  byte[] encode(BufferedImage img) {
    ImageWriter writer = jpegWriter();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      JPEGImageWriteParam param = new JPEGImageWriteParam(null);
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
      param.setOptimizeHuffmanTables(true);
      // No stream or image metadata: the writer emits only JFIF APP0 and the image itself.
      writer.write(null, new IIOImage(img, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  private static ImageWriter jpegWriter() {
    ImageWriter first = null;
    for (Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
      ImageWriter w = it.next();
      if (w.getClass().getName().equals("com.sun.imageio.plugins.jpeg.JPEGImageWriter")) {
        return w;
      }
      if (first == null) {
        first = w;
      }
    }
    if (first == null) {
      throw new IllegalStateException("no JPEG writer");
    }
    return first;
  }
}
