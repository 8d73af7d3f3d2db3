package io.pinstream.media;

/** Image formats accepted for upload; detected from magic bytes only (see {@link ImageProbe}). */
public enum ImageFormat {
  JPEG("image/jpeg", "jpg"),
  PNG("image/png", "png"),
  GIF("image/gif", "gif"),
  WEBP("image/webp", "webp");

  private final String mimeType;
  private final String extension;

  ImageFormat(String mimeType, String extension) {
    this.mimeType = mimeType;
    this.extension = extension;
  }

  public String mimeType() {
    return mimeType;
  }

  /** File extension without the dot. */
  public String extension() {
    return extension;
  }
}
