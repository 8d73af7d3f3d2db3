package io.pinstream.media;

import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;

/**
 * Decoding for {@link ThumbnailRenderer}: which decoder, a read scaled at decode time, decoder
 * warnings that mean lost pixels, and a GIF's first frame on its screen. Readers run with
 * {@code ignoreMetadata}; only a GIF's frame position is read from the image metadata. Blocking;
 * safe to share between threads (no mutable state).
 */
final class ImageDecoder {
  private final boolean jdkJpegReader;
  private final boolean nativeJpeg;

  /**
   * @param jdkJpegReader read JPEGs with the JDK's reader alone instead of TwelveMonkeys' (for
   *                      measurements; see {@link ThumbnailRenderer.JpegReaderChoice})
   * @param nativeJpeg    read JPEGs with libjpeg-turbo's TurboJPEG where it is installed
   */
  ImageDecoder(boolean jdkJpegReader, boolean nativeJpeg) {
    this.jdkJpegReader = jdkJpegReader;
    this.nativeJpeg = nativeJpeg;
  }

  /**
   * The first image of {@code source}, decoded at the smallest size the decoder can make that is still at least
   * {@code needW} x {@code needH} in the stored orientation (so a large photo never exists at full size on the
   * heap): JPEGs through libjpeg-turbo's DCT scaling ({@link NativeJpeg}) where it is installed, WebP through
   * libwebp's scaled decoding ({@link NativeWebp}), the rest (and the fallbacks) with ImageIO reading every n-th
   * pixel of every n-th row, n = stored / (2 x needed). A GIF frame is placed on its logical screen, an animated
   * WebP's first frame on its canvas. Data the decoder warns about (a truncated JPEG is otherwise padded with
   * grey) or cannot decode is refused as corrupt.
   */
  BufferedImage decode(Path source, ImageInfo info, int needW, int needH) throws IOException {
    if (info.format() == ImageFormat.JPEG && nativeJpeg && NativeJpeg.available()) {
      BufferedImage img = decodeNativeJpeg(source, info, needW, needH);
      if (img != null) {
        return img;
      }
    }
    if (info.format() == ImageFormat.WEBP && NativeWebp.available()) {
      return NativeWebp.decode(Files.readAllBytes(source), info, needW, needH);
    }
    return decode(source, info, subsampling(info, needW, needH));
  }

  /** ImageIO's read-time subsampling: every n-th pixel, n = stored / (2 x needed), never less than 1. */
  static int subsampling(ImageInfo info, int needW, int needH) {
    int byWidth = needW <= 0 ? Integer.MAX_VALUE : info.storedWidth() / (2 * needW);
    int byHeight = needH <= 0 ? Integer.MAX_VALUE : info.storedHeight() / (2 * needH);
    int s = Math.min(byWidth, byHeight);
    return s == Integer.MAX_VALUE ? 1 : Math.max(1, s);
  }

  /** Null for a CMYK/YCCK JPEG, which is left to ImageIO (TwelveMonkeys applies its Adobe transform and profile). */
  private static BufferedImage decodeNativeJpeg(Path source, ImageInfo info, int needW, int needH) throws IOException {
    byte[] jpeg = Files.readAllBytes(source);
    NativeJpeg turbo = NativeJpeg.get();
    BufferedImage img;
    try (NativeJpeg.Header header = turbo.open(jpeg)) {
      if (header.cmyk) {
        return null;
      }
      int d = NativeJpeg.scaleDenominator(header.width, header.height, needW, needH);
      img = new BufferedImage(NativeJpeg.ceilDiv(header.width, d), NativeJpeg.ceilDiv(header.height, d),
          BufferedImage.TYPE_INT_RGB);
      header.decode(img);
    }
    java.awt.color.ICC_Profile profile = Colours.jpegProfile(jpeg);
    return profile == null ? img : Colours.convertFrom(profile, img);
  }

  /** ImageIO, every {@code subsampling}-th pixel of every {@code subsampling}-th row. */
  BufferedImage decode(Path source, ImageInfo info, int subsampling) throws IOException {
    ImageReader reader = readerFor(info.format());
    List<String> warnings = new ArrayList<>(1);
    try (ImageInputStream in = new FileImageInputStream(source.toFile())) {
      reader.setInput(in, true, true);
      reader.addIIOReadWarningListener((r, warning) -> {
        if (!isBenign(warning)) {
          warnings.add(warning);
        }
      });
      ImageReadParam param = reader.getDefaultReadParam();
      param.setSourceSubsampling(subsampling, subsampling, 0, 0);
      BufferedImage image = reader.read(0, param);
      if (!warnings.isEmpty()) {
        // libjpeg only warns on truncation ("Premature end of JPEG file") and pads with grey.
        throw ImageRejectedException.corrupt("image data is damaged: " + warnings.get(0));
      }
      if (info.format() == ImageFormat.GIF) {
        image = onGifScreen(reader, image, info, subsampling);
      }
      return image;
    } catch (ImageRejectedException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw ImageRejectedException.corrupt("image cannot be decoded: " + e.getMessage(), e);
    } finally {
      reader.dispose();
    }
  }

  /**
   * Warnings that do not mean lost pixels: TwelveMonkeys' note that a CMYK file has no profile (it then uses
   * a generic one) and libjpeg's "extraneous bytes before marker", common in camera files with complete data.
   */
  static boolean isBenign(String warning) {
    String w = warning == null ? "" : warning.toLowerCase(java.util.Locale.ROOT);
    return w.contains("icc") || w.contains("color profile") || w.contains("extraneous bytes");
  }

  /**
   * A GIF frame may cover only part of the logical screen (the hostile 10 000-frame file starts with a 1x1
   * frame on a 1000x1000 screen): place it where it belongs on a white screen, like a browser would.
   */
  private static BufferedImage onGifScreen(ImageReader reader, BufferedImage frame, ImageInfo info, int s)
      throws IOException {
    int screenW = (info.storedWidth() + s - 1) / s;
    int screenH = (info.storedHeight() + s - 1) / s;
    if (frame.getWidth() == screenW && frame.getHeight() == screenH) {
      return frame;
    }
    int left = 0;
    int top = 0;
    IIOMetadata meta = reader.getImageMetadata(0);
    if (meta != null) {
      Node root = meta.getAsTree("javax_imageio_gif_image_1.0");
      for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n.getNodeName().equals("ImageDescriptor")) {
          NamedNodeMap a = n.getAttributes();
          left = Integer.parseInt(a.getNamedItem("imageLeftPosition").getNodeValue()) / s;
          top = Integer.parseInt(a.getNamedItem("imageTopPosition").getNodeValue()) / s;
        }
      }
    }
    BufferedImage screen = new BufferedImage(screenW, screenH, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = screen.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, screenW, screenH);
      g.drawImage(frame, left, top, null);
    } finally {
      g.dispose();
    }
    return screen;
  }

  private ImageReader readerFor(ImageFormat format) {
    String name = switch (format) {
      case JPEG -> "jpeg";
      case PNG -> "png";
      case GIF -> "gif";
      case WEBP -> "webp";
    };
    boolean wantTwelveMonkeys = format == ImageFormat.JPEG && !jdkJpegReader;
    ImageReader fallback = null;
    for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(name); it.hasNext(); ) {
      ImageReader r = it.next();
      if (format == ImageFormat.WEBP && !r.getClass().getName().startsWith("com.twelvemonkeys.")) {
        continue; // libwebp's reader is used through NativeWebp; this is the pure-Java fallback
      }
      boolean tm = r.getClass().getName().startsWith("com.twelvemonkeys.");
      if (format != ImageFormat.JPEG || tm == wantTwelveMonkeys) {
        return r;
      }
      if (fallback == null) {
        fallback = r;
      }
    }
    if (fallback == null) {
      throw new IllegalStateException("no ImageIO reader for " + format);
    }
    return fallback;
  }
}
