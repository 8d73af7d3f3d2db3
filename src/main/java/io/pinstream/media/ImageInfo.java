package io.pinstream.media;

/**
 * What the header of an upload says, read before any pixel is decoded.
 *
 * @param orientation EXIF orientation 1..8 (1 when absent); 5..8 swap the axes
 * @param progressive a progressive JPEG, or a lossless (VP8L) WebP: either way the decoder keeps state for every
 *                    pixel of the full image, whatever the scale it decodes to
 * @param frameCount  number of frames (1 for still images; counted for GIF and animated WebP)
 * @param firstFramePixels pixels of the frame a decoder reads (a GIF's first frame may be larger or smaller
 *                    than its logical screen); the image's own pixels for every other format
 */
public record ImageInfo(
    ImageFormat format,
    int storedWidth,
    int storedHeight,
    int orientation,
    boolean progressive,
    int frameCount,
    long firstFramePixels) {

  /** An image whose first frame is the whole image. */
  public ImageInfo(ImageFormat format, int storedWidth, int storedHeight, int orientation, boolean progressive,
                   int frameCount) {
    this(format, storedWidth, storedHeight, orientation, progressive, frameCount, (long) storedWidth * storedHeight);
  }

  public ImageInfo {
    if (orientation < 1 || orientation > 8) {
      orientation = 1;
    }
  }

  public boolean swapsAxes() {
    return orientation >= 5;
  }

  public int displayWidth() {
    return swapsAxes() ? storedHeight : storedWidth;
  }

  public int displayHeight() {
    return swapsAxes() ? storedWidth : storedHeight;
  }

  public long pixels() {
    return (long) storedWidth * storedHeight;
  }
}
