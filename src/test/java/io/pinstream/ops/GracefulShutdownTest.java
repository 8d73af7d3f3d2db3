package io.pinstream.ops;

import io.pinstream.testing.TestApp;
import io.pinstream.testing.TestPhotos;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Graceful shutdown")
class GracefulShutdownTest {
  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("media").put("sync_wait_ms", 10_000));

  @Test
  @DisplayName("a request in flight when the service stops still gets its answer; new connections are refused")
  void inFlightRequestsFinish() throws Exception {
    String token = app.api().signUpAndLogIn("last_uploader");
    byte[] photo = TestPhotos.jpeg(3000, 2000);
    var api = app.api();
    // The upload waits for its thumbnails (a few hundred ms of rendering) before answering.
    CompletableFuture<Integer> upload = CompletableFuture.supplyAsync(() -> api.upload(token, photo).status());
    Thread.sleep(150);
    app.stop();
    assertThat(upload.join()).isIn(201, 202);
    assertThatThrownBy(() -> api.get("/health")).isInstanceOf(IllegalStateException.class);
  }
}
