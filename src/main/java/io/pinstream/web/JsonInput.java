package io.pinstream.web;

import io.pinstream.common.Ids;
import io.pinstream.common.ServiceException;
import io.pinstream.common.Problems;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a JSON request body field by field, collecting every problem so the client learns all of
 * them in one 422. Unknown fields are ignored (forward compatible clients); wrong types, missing
 * required fields and out-of-range values are reported.
 *
 * <pre>
 * JsonInput in = JsonInput.of(ctx);
 * String name = in.requiredString("name", 1, 50);
 * in.validate();   // throws 422 with every collected error
 * </pre>
 */
public final class JsonInput {
  private final JsonObject json;
  private final String prefix;
  private final List<ServiceException.FieldError> errors;

  private JsonInput(JsonObject json, String prefix, List<ServiceException.FieldError> errors) {
    this.json = json;
    this.prefix = prefix;
    this.errors = errors;
  }

  public static JsonInput of(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw Problems.badRequest("malformed_json", "The request body must be a JSON object");
    }
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(body);
    } catch (DecodeException e) {
      throw Problems.badRequest("malformed_json", "The request body is not valid JSON");
    }
    if (!(parsed instanceof JsonObject object)) {
      throw Problems.badRequest("malformed_json", "The request body must be a JSON object");
    }
    return new JsonInput(object, "", new ArrayList<>());
  }

  public JsonObject raw() {
    return json;
  }

  public boolean has(String field) {
    return json.getValue(field) != null;
  }

  public String requiredString(String field, int minLength, int maxLength) {
    String value = optionalString(field, minLength, maxLength);
    if (value == null && !hasError(field)) {
      error(field, "is required");
    }
    return value;
  }

  /** A string of {@code minLength..maxLength} characters (code points), or null when absent. */
  public String optionalString(String field, int minLength, int maxLength) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      error(field, "must be a string");
      return null;
    }
    int length = s.codePointCount(0, s.length());
    if (length < minLength) {
      error(field, minLength == 1 ? "must not be empty" : "must be at least " + minLength + " characters");
      return null;
    }
    if (length > maxLength) {
      error(field, "must be at most " + maxLength + " characters");
      return null;
    }
    return s;
  }

  public String matching(String field, String value, Pattern pattern, String rule) {
    if (value != null && !pattern.matcher(value).matches()) {
      error(field, rule);
      return null;
    }
    return value;
  }

  public String oneOf(String field, String value, Set<String> allowed) {
    if (value != null && !allowed.contains(value)) {
      error(field, "must be one of " + String.join(", ", allowed.stream().sorted().toList()));
      return null;
    }
    return value;
  }

  /** An id sent as a string of digits (ids are strings in the API) or as a JSON integer. */
  public Long requiredId(String field) {
    Object value = json.getValue(field);
    if (value == null) {
      error(field, "is required");
      return null;
    }
    Long id = Ids.parse(value instanceof Number n && n.doubleValue() == n.longValue() ? String.valueOf(n.longValue())
        : value instanceof String s ? s : null);
    if (id == null) {
      error(field, "must be an id (a string of digits)");
    }
    return id;
  }

  public Long requiredLong(String field, long min, long max) {
    Object value = json.getValue(field);
    if (value == null) {
      error(field, "is required");
      return null;
    }
    if (!(value instanceof Number n) || n.doubleValue() != n.longValue()) {
      error(field, "must be a whole number");
      return null;
    }
    long v = n.longValue();
    if (v < min || v > max) {
      error(field, "must be from " + min + " to " + max);
      return null;
    }
    return v;
  }

  public Long optionalLong(String field, long min, long max) {
    return json.getValue(field) == null ? null : requiredLong(field, min, max);
  }

  public JsonInput optionalObject(String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject object)) {
      error(field, "must be an object");
      return null;
    }
    // Errors of a nested object are reported on the parent as "field.child".
    return new JsonInput(object, prefix + field + ".", errors);
  }

  public void error(String field, String message) {
    errors.add(new ServiceException.FieldError(prefix + field, message));
  }

  public boolean hasError(String field) {
    return errors.stream().anyMatch(e -> e.field().equals(prefix + field));
  }

  /** Throws one 422 listing every problem found so far. */
  public void validate() {
    if (!errors.isEmpty()) {
      throw Problems.invalid(errors);
    }
  }
}
