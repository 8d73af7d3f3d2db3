package io.pinstream.media;

/**
 * An upload the media engine refuses. Carries the HTTP status and a stable machine-readable code so the
 * HTTP layer can turn it into problem+json without knowing anything about images.
 */
public class ImageRejectedException extends RuntimeException {

  public static final String UNSUPPORTED = "unsupported_media_type";
  public static final String TOO_LARGE = "image_too_large";
  public static final String CORRUPT = "image_corrupt";

  private final int status;
  private final String code;

  public ImageRejectedException(int status, String code, String message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  public ImageRejectedException(int status, String code, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.code = code;
  }

  static ImageRejectedException unsupported(String message) {
    return new ImageRejectedException(415, UNSUPPORTED, message);
  }

  static ImageRejectedException tooLarge(String message) {
    return new ImageRejectedException(422, TOO_LARGE, message);
  }

  static ImageRejectedException corrupt(String message) {
    return new ImageRejectedException(422, CORRUPT, message);
  }

  static ImageRejectedException corrupt(String message, Throwable cause) {
    return new ImageRejectedException(422, CORRUPT, message, cause);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }
}
