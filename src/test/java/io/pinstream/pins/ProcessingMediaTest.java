package io.pinstream.pins;

import io.pinstream.testing.TestApp;
import io.pinstream.testing.TestPhotos;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Pins of media still being processed, and thumbnail jobs across restarts")
class ProcessingMediaTest {
  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("media").put("sync_wait_ms", 0).put("job_lease_seconds", 2));

  @Test
  @DisplayName("an upload answered 202 gets its images later, and a pin of it shows them once ready")
  void pinShowsImagesWhenReady() throws Exception {
    String token = app.api().signUpAndLogIn("early_pinner");
    var upload = app.api().upload(token, TestPhotos.jpeg(1200, 900));
    assertThat(upload.status()).isEqualTo(202);
    assertThat(upload.json().getString("status")).isEqualTo("processing");
    assertThat(upload.json().containsKey("images")).isFalse();
    JsonObject pin = app.api().createPin(token, app.api().createBoard(token, "Fresh"), upload.json().getString("id"), "Fresh");

    JsonObject media = null;
    for (int i = 0; i < 100; i++) {
      media = app.api().get("/api/v1/pins/" + pin.getString("id")).json().getJsonObject("media");
      if (media.containsKey("images")) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(media.getJsonObject("images").getJsonObject("736x").getInteger("width")).isEqualTo(736);
  }

  @Test
  @DisplayName("a job left unfinished by a stopped process is finished after restart, without any request")
  void jobResumesAfterRestart() throws Exception {
    String token = app.api().signUpAndLogIn("crash_victim");
    var upload = app.api().upload(token, TestPhotos.jpeg(800, 600));
    String id = upload.json().getString("id");
    String sha = waitForReady(id).getJsonObject("images").getJsonObject("236x").getString("url").split("/")[2];

    app.stop();
    // What a kill -9 in the middle of rendering leaves: the job row still 'processing' with a live
    // lease, and none (or some) of the files written.
    Path images = app.config().media().dir().resolve("images").resolve(sha.substring(0, 2)).resolve(sha);
    try (var files = Files.list(images)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    resetToProcessing(id);
    app.start();

    JsonObject media = waitForReady(id);
    assertThat(media.getString("status")).isEqualTo("ready");
    assertThat(app.api().get(media.getJsonObject("images").getJsonObject("474x").getString("url")).status()).isEqualTo(200);
    assertThat(Files.exists(images.resolve("736x.jpg"))).isTrue();
  }

  private static void resetToProcessing(String id) throws Exception {
    try (var c = app.jdbc();
         var s = c.prepareStatement("UPDATE media SET status = 'processing', images = NULL, claimed_until = now() + interval '1 second' WHERE id = ?")) {
      s.setLong(1, Long.parseLong(id));
      assertThat(s.executeUpdate()).isEqualTo(1);
    }
  }

  private static JsonObject waitForReady(String id) throws InterruptedException {
    JsonObject media = null;
    for (int i = 0; i < 150; i++) {
      media = app.api().get("/api/v1/media/" + id).json();
      if ("ready".equals(media.getString("status"))) {
        return media;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("media " + id + " never became ready: " + media);
  }
}
