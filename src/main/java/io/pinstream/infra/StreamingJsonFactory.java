package io.pinstream.infra;

import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.core.spi.JsonFactory;
import io.vertx.core.spi.json.JsonCodec;

/**
 * Makes Vert.x encode and decode {@code JsonObject}s with Jackson's streaming API (Vert.x's own
 * {@link JacksonCodec}), not through jackson-databind's {@code ObjectMapper}. Vert.x picks databind
 * whenever it is on the classpath, and Flyway brings it; the service never maps JSON to objects
 * (every body is a {@code JsonObject}), so databind only added its serializer lookups to every
 * encode. It also took the JIT compiler about 1.5 s of a core to compile ({@code
 * DefaultSerializerProvider.serializeValue}, {@code ObjectMapper.writeValue}), and those compiles
 * landed while the first pins after a reconnect wave were being broadcast (JFR compilation events;
 * BENCHMARKS.md, "Live push", round six). Registered in {@code META-INF/services}; Vert.x loads it
 * when {@code io.vertx.core.json.Json} is first used.
 */
public final class StreamingJsonFactory implements JsonFactory {
  private static final JsonCodec CODEC = new JacksonCodec();

  @Override
  public JsonCodec codec() {
    return CODEC;
  }
}
