package io.pinstream.infra;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.DatabindCodec;
import io.vertx.core.json.jackson.JacksonCodec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("JSON: Vert.x encodes with Jackson's streaming codec, not databind (which Flyway puts on the classpath)")
class StreamingJsonFactoryTest {

  @Test
  @DisplayName("the codec Vert.x loaded is the streaming one")
  void streamingCodec() {
    assertThat(Json.CODEC).isInstanceOf(JacksonCodec.class).isNotInstanceOf(DatabindCodec.class);
  }

  @Test
  @DisplayName("what the service puts in its JSON round-trips: nulls, numbers, nested objects and arrays, instants")
  void roundTrip() {
    JsonObject pin = new JsonObject().put("id", "7411939420469248000").put("link", (String) null).put("price", 12.5)
        .put("count", 3L).put("at", Instant.parse("2026-11-30T10:00:00Z"))
        .put("media", new JsonObject().put("images", new JsonArray().add(new JsonObject().put("width", 236))));
    String text = pin.encode();
    assertThat(text).isEqualTo("{\"id\":\"7411939420469248000\",\"link\":null,\"price\":12.5,\"count\":3,"
        + "\"at\":\"2026-11-30T10:00:00Z\",\"media\":{\"images\":[{\"width\":236}]}}");
    JsonObject back = new JsonObject(text);
    assertThat(back.getString("link")).isNull();
    assertThat(back.getJsonObject("media").getJsonArray("images").getJsonObject(0).getInteger("width")).isEqualTo(236);
  }
}
