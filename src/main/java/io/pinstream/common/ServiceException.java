package io.pinstream.common;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A failure that has a place in the API contract: it becomes one RFC 9457 problem+json response.
 * Handlers and stores fail with these; {@link FailureHandler} writes them. No stack trace is filled
 * in: these are expected outcomes, not bugs.
 */
public class ServiceException extends RuntimeException {
  private final int status;
  private final String code;
  private final String title;
  private final List<FieldError> errors;
  private final Integer retryAfterSeconds;

  public record FieldError(String field, String message) {
    public JsonObject toJson() {
      return new JsonObject().put("field", field).put("message", message);
    }
  }

  public ServiceException(int status, String code, String title, String detail) {
    this(status, code, title, detail, List.of(), null);
  }

  public ServiceException(int status, String code, String title, String detail, List<FieldError> errors,
                      Integer retryAfterSeconds) {
    this(status, code, title, detail, errors, retryAfterSeconds, null);
  }

  /** With the low-level failure that explains it (kept for logs and debugging, never shown to clients). */
  protected ServiceException(int status, String code, String title, String detail, Throwable cause) {
    this(status, code, title, detail, List.of(), null, cause);
  }

  private ServiceException(int status, String code, String title, String detail, List<FieldError> errors,
                           Integer retryAfterSeconds, Throwable cause) {
    super(detail, cause, false, false);
    this.status = status;
    this.code = code;
    this.title = title;
    this.errors = List.copyOf(errors);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public JsonObject toProblem(String instance) {
    JsonObject problem = new JsonObject()
        .put("type", "https://pinstream.dev/problems/" + code.replace('_', '-'))
        .put("title", title)
        .put("status", status)
        .put("detail", getMessage())
        .put("code", code);
    if (instance != null) {
      problem.put("instance", instance);
    }
    if (!errors.isEmpty()) {
      problem.put("errors", new JsonArray(errors.stream().map(FieldError::toJson).toList()));
    }
    return problem;
  }
}
