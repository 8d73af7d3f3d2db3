package io.pinstream;

import io.pinstream.ops.OpenApiDocument;
import io.pinstream.testing.TestApp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The OpenAPI document and the router agree")
class OpenApiContractTest {
  @RegisterExtension
  static TestApp app = new TestApp();

  @Test
  @DisplayName("every route is documented and every documented operation is routed")
  void documentMatchesRouter() {
    Router router = Routes.create(app.vertx(), app.app().components(), app.vertx().createHttpServer());
    Set<String> routed = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      if (route.getPath() == null || route.methods() == null) {
        continue;
      }
      String path = route.getPath().replaceAll(":([a-z_]+)", "{$1}");
      for (HttpMethod method : route.methods()) {
        routed.add(method.name() + " " + path);
      }
    }
    Set<String> documented = new TreeSet<>();
    JsonObject paths = OpenApiDocument.load().getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        if (Set.of("get", "put", "post", "delete", "patch", "head", "options").contains(method)) {
          documented.add(method.toUpperCase() + " " + path);
        }
      }
    }
    assertThat(routed).isEqualTo(documented);
  }

  @Test
  @DisplayName("the document is served at /api/v1/openapi.json")
  void served() {
    var reply = app.api().get("/api/v1/openapi.json");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().getString("openapi")).startsWith("3.");
  }
}
