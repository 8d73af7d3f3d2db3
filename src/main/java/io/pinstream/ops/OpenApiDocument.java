package io.pinstream.ops;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.io.IOException;
import java.io.InputStream;

/** Serves the API contract, {@code openapi.json} on the classpath, at {@code /api/v1/openapi.json}. */
public final class OpenApiDocument {
  public static final String RESOURCE = "/openapi.json";
  private final Buffer document;

  public OpenApiDocument() {
    this.document = load().toBuffer();
  }

  public static JsonObject load() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return new JsonObject(Buffer.buffer(in.readAllBytes()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public void mount(Router api) {
    api.get("/api/v1/openapi.json").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Cache-Control", "public, max-age=300")
        .end(document));
  }
}
