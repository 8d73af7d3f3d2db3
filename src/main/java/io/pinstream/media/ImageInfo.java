package io.pinstream.media;

/**
 * What the header of an upload says, read before any pixel is decoded.
 *
 * @param orientation EXIF orientation 1..8 (1 when absent); 5..8 swap the axes
 * @param frameCount  number of frames (1 for still images; counted for GIF and animated WebP)
 */
public record ImageInfo(
    ImageFormat format,
    int storedWidth,
    int storedHeight,
    int orientation,
    boolean progressive,
    int frameCount) {

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
