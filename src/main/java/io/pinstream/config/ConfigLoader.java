package io.pinstream.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds the configuration in three layers: the defaults shipped in the jar ({@code conf/config.json}
 * on the classpath), then the operator's file ({@code ./conf/config.json} or {@code PINSTREAM_CONFIG}),
 * then environment variables. Every leaf setting {@code section.key} can be overridden by
 * {@code PINSTREAM_SECTION_KEY}, e.g. {@code http.port} by {@code PINSTREAM_HTTP_PORT}.
 */
public final class ConfigLoader {
  private static final String ENV_PREFIX = "PINSTREAM_";

  private ConfigLoader() {
  }

  public static Config load(Map<String, String> env) {
    JsonObject json = defaults();
    String file = env.getOrDefault(ENV_PREFIX + "CONFIG", "conf/config.json");
    Path path = Path.of(file);
    if (Files.isRegularFile(path)) {
      json.mergeIn(readFile(path), true);
    } else if (env.containsKey(ENV_PREFIX + "CONFIG")) {
      throw new ConfigException("PINSTREAM_CONFIG points to " + file + ", which is not a readable file");
    }
    applyEnvironment(json, env);
    return Config.from(json);
  }

  /** The shipped defaults, as a fresh mutable copy. */
  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream("/conf/config.json")) {
      if (in == null) {
        throw new IllegalStateException("conf/config.json is missing from the classpath");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject readFile(Path path) {
    try {
      return new JsonObject(Files.readString(path));
    } catch (IOException e) {
      throw new ConfigException("cannot read " + path + ": " + e.getMessage());
    } catch (DecodeException e) {
      throw new ConfigException(path + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  /** Overrides each leaf of the defaults from its environment variable, keeping the leaf's JSON type. */
  static void applyEnvironment(JsonObject json, Map<String, String> env) {
    for (String section : json.fieldNames()) {
      if (!(json.getValue(section) instanceof JsonObject settings)) {
        continue;
      }
      for (String key : settings.fieldNames()) {
        String name = (ENV_PREFIX + section + "_" + key).toUpperCase();
        String raw = env.get(name);
        if (raw != null) {
          settings.put(key, convert(name, raw, settings.getValue(key)));
        }
      }
    }
  }

  private static Object convert(String name, String raw, Object current) {
    String value = raw.trim();
    if (current instanceof Boolean) {
      if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
        throw new ConfigException(name + " must be true or false, got '" + raw + "'");
      }
      return Boolean.parseBoolean(value);
    }
    if (current instanceof Number) {
      try {
        return Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new ConfigException(name + " must be a whole number, got '" + raw + "'");
      }
    }
    return raw;
  }
}
