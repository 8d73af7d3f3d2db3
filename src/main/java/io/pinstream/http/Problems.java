package io.pinstream.http;

import java.util.List;

/** Named constructors for the API's errors, one per status family in the contract. */
public final class Problems {
  private Problems() {
  }

  public static ApiException badRequest(String code, String detail) {
    return new ApiException(400, code, "Bad Request", detail);
  }

  public static ApiException unauthorized(String detail) {
    return new ApiException(401, "unauthorized", "Unauthorized", detail);
  }

  public static ApiException forbidden(String code, String detail) {
    return new ApiException(403, code, "Forbidden", detail);
  }

  public static ApiException notFound(String code, String detail) {
    return new ApiException(404, code, "Not Found", detail);
  }

  public static ApiException conflict(String code, String detail) {
    return new ApiException(409, code, "Conflict", detail);
  }

  public static ApiException tooLarge(String code, String detail) {
    return new ApiException(413, code, "Content Too Large", detail);
  }

  public static ApiException unsupportedMediaType(String detail) {
    return new ApiException(415, "unsupported_media_type", "Unsupported Media Type", detail);
  }

  public static ApiException invalid(List<ApiException.FieldError> errors) {
    String detail = errors.size() == 1
        ? errors.get(0).field() + ": " + errors.get(0).message()
        : errors.size() + " fields are invalid";
    return new ApiException(422, "validation_failed", "Unprocessable Content", detail, errors, null);
  }

  public static ApiException invalid(String field, String message) {
    return invalid(List.of(new ApiException.FieldError(field, message)));
  }

  /** A 422 whose code names the rule, for rules that are not about one malformed field. */
  public static ApiException unprocessable(String code, String detail) {
    return new ApiException(422, code, "Unprocessable Content", detail);
  }

  public static ApiException rateLimited(String detail, int retryAfterSeconds) {
    return new ApiException(429, "rate_limited", "Too Many Requests", detail, List.of(), Math.max(1, retryAfterSeconds));
  }

  public static ApiException unavailable(String code, String detail, int retryAfterSeconds) {
    return new ApiException(503, code, "Service Unavailable", detail, List.of(), Math.max(1, retryAfterSeconds));
  }
}
