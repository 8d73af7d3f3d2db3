package io.pinstream.media;

import io.pinstream.common.ServiceException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.List;

/**
 * An upload the media engine refuses: a {@link ServiceException} like any other, so the one failure
 * handler writes it as problem+json. Its code is also what a media row stores as {@code failure_code}
 * when a worker refuses the pixels after the upload was accepted ({@link #forFailureCode}).
 */
public final class ImageRejectedException extends ServiceException {

  public static final String UNSUPPORTED = "unsupported_media_type";
  public static final String TOO_LARGE = "image_too_large";
  public static final String CORRUPT = "image_corrupt";
  /** Stored only: the original went missing before it was rendered; answered like a corrupt image. */
  public static final String MISSING = "image_missing";
  /**
   * Stored only: the workers could not render it, because a decoder threw an Error (OutOfMemoryError,
   * StackOverflowError...) or because its job was attempted {@link MediaStore#MAX_ATTEMPTS} times without
   * finishing (each attempt took its node down). Answered like a corrupt image.
   */
  public static final String UNRENDERABLE = "image_unrenderable";

  private ImageRejectedException(int status, String code, String title, String detail, Throwable cause) {
    super(status, code, title, detail, cause);
  }

  /** What uploads may be, as named in a 415's {@code accepted_formats}. */
  public static final List<String> ACCEPTED = Arrays.stream(ImageFormat.values()).map(ImageFormat::mimeType).toList();

  /** A 415 whose detail ends by naming the accepted formats, which its body also lists. */
  static ImageRejectedException unsupported(String message) {
    return new ImageRejectedException(415, UNSUPPORTED, "Unsupported Media Type",
        message + "; accepted formats: JPEG, PNG, GIF (first frame) and WebP (first frame)", null);
  }

  @Override
  public JsonObject toProblem(String instance) {
    JsonObject problem = super.toProblem(instance);
    if (UNSUPPORTED.equals(code())) {
      problem.put("accepted_formats", new JsonArray(ACCEPTED));
    }
    return problem;
  }

  static ImageRejectedException tooLarge(String message) {
    return new ImageRejectedException(422, TOO_LARGE, "Unprocessable Content", message, null);
  }

  static ImageRejectedException corrupt(String message) {
    return corrupt(message, null);
  }

  static ImageRejectedException corrupt(String message, Throwable cause) {
    return new ImageRejectedException(422, CORRUPT, "Unprocessable Content", message, cause);
  }

  /**
   * The rejection of a media row already marked failed, from the code it stored (the worker's own
   * message is not stored). Codes this version does not know are answered as a corrupt image.
   */
  public static ImageRejectedException forFailureCode(String storedCode) {
    String code = storedCode == null ? "" : storedCode;
    return switch (code) {
      case TOO_LARGE -> tooLarge("The image has more pixels than this service accepts");
      case UNSUPPORTED -> unsupported("This file is not an image format this service accepts");
      case MISSING -> corrupt("The stored image is missing and cannot be processed");
      case UNRENDERABLE -> corrupt("The image could not be decoded within this service's limits");
      default -> corrupt("The image is corrupt or truncated");
    };
  }
}
