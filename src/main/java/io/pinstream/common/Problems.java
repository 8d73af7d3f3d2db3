package io.pinstream.common;

import java.util.List;

/** Named constructors for the API's errors, one per status family in the contract. */
public final class Problems {
  private Problems() {
  }

  public static ServiceException badRequest(String code, String detail) {
    return new ServiceException(400, code, "Bad Request", detail);
  }

  public static ServiceException unauthorized(String detail) {
    return new ServiceException(401, "unauthorized", "Unauthorized", detail);
  }

  public static ServiceException forbidden(String code, String detail) {
    return new ServiceException(403, code, "Forbidden", detail);
  }

  public static ServiceException notFound(String code, String detail) {
    return new ServiceException(404, code, "Not Found", detail);
  }

  public static ServiceException conflict(String code, String detail) {
    return new ServiceException(409, code, "Conflict", detail);
  }

  public static ServiceException tooLarge(String code, String detail) {
    return new ServiceException(413, code, "Content Too Large", detail);
  }

  public static ServiceException unsupportedMediaType(String detail) {
    return new ServiceException(415, "unsupported_media_type", "Unsupported Media Type", detail);
  }

  public static ServiceException invalid(List<ServiceException.FieldError> errors) {
    String detail = errors.size() == 1
        ? errors.get(0).field() + ": " + errors.get(0).message()
        : errors.size() + " fields are invalid";
    return new ServiceException(422, "validation_failed", "Unprocessable Content", detail, errors, null);
  }

  public static ServiceException invalid(String field, String message) {
    return invalid(List.of(new ServiceException.FieldError(field, message)));
  }

  /** A 422 whose code names the rule, for rules that are not about one malformed field. */
  public static ServiceException unprocessable(String code, String detail) {
    return new ServiceException(422, code, "Unprocessable Content", detail);
  }

  public static ServiceException rateLimited(String detail, int retryAfterSeconds) {
    return new ServiceException(429, "rate_limited", "Too Many Requests", detail, List.of(), Math.max(1, retryAfterSeconds));
  }

  public static ServiceException unavailable(String code, String detail, int retryAfterSeconds) {
    return new ServiceException(503, code, "Service Unavailable", detail, List.of(), Math.max(1, retryAfterSeconds));
  }
}
