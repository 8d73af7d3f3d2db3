package io.pinstream.ops;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.pinstream.testing.TestPhotos;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Graceful shutdown")
class GracefulShutdownTest {
  private static final int SYNC_WAIT_MS = 3000;

  /**
   * One thumbnail worker; an upload waits {@value #SYNC_WAIT_MS} ms for its thumbnails; the HTTP drain
   * allows far more than that; and a job lease of an hour, so no sweep can finish a job in this test:
   * only the stopping process itself can.
   */
  @RegisterExtension
  static TestApp app = new TestApp(json -> {
    json.getJsonObject("media").put("workers", 1).put("sync_wait_ms", SYNC_WAIT_MS).put("job_lease_seconds", 3600);
    json.getJsonObject("http").put("shutdown_grace_seconds", 30);
  });

  @Test
  @DisplayName("an upload in flight when the service stops is answered 202, its job is finished by the stop, "
      + "and after a restart its images are served; new connections are refused meanwhile")
  void acceptedUploadSurvivesAGracefulStop() throws Exception {
    ApiClient api = app.api();
    String token = api.signUpAndLogIn("last_uploader");

    // Hold the one thumbnail worker thread (the deployment's named pool) until the service is stopping.
    WorkerExecutor thumbnailPool = app.vertx().createSharedWorkerExecutor("pinstream-thumbnails", 1);
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch letGo = new CountDownLatch(1);
    thumbnailPool.executeBlocking(() -> {
      held.countDown();
      return letGo.await(60, TimeUnit.SECONDS);
    }, false);
    assertThat(held.await(10, TimeUnit.SECONDS)).as("the worker thread is held").isTrue();

    CompletableFuture<ApiClient.Reply> upload =
        CompletableFuture.supplyAsync(() -> api.upload(token, TestPhotos.jpeg(1200, 800)));
    // Accepted: its row (the job) exists; the request now waits for thumbnails that cannot come yet.
    waitFor(() -> mediaRows() == 1);
    assertThat(upload).as("the upload is still in flight").isNotDone();

    CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
      try {
        app.stop();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    ApiClient.Reply accepted = upload.get(30, TimeUnit.SECONDS);
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    assertThat(accepted.json().getString("status")).isEqualTo("processing");
    String id = accepted.json().getString("id");
    assertThat(status(id)).as("not rendered while the worker is held").isEqualTo("processing");
    assertThat(stopping).as("the stop waits for the job it was handed").isNotDone();

    letGo.countDown();
    stopping.get(60, TimeUnit.SECONDS);
    assertThat(status(id)).as("the stop finished the job, its row included, before the pools closed")
        .isEqualTo("ready");
    assertThatThrownBy(() -> api.get("/health")).isInstanceOf(IllegalStateException.class);

    app.start();
    JsonObject media = app.api().get("/api/v1/media/" + id).json();
    assertThat(media.getString("status")).isEqualTo("ready");
    JsonObject images = media.getJsonObject("images");
    assertThat(images.fieldNames()).containsExactlyInAnyOrder("236x", "474x", "736x", "orig");
    for (String size : List.of("236x", "474x", "736x", "orig")) {
      ApiClient.Reply image = app.api().get(images.getJsonObject(size).getString("url"));
      assertThat(image.status()).as(size).isEqualTo(200);
      assertThat(image.header("Content-Type")).as(size).isEqualTo("image/jpeg");
      assertThat(image.bytes().length).as(size).isPositive();
    }
  }

  private static long mediaRows() {
    try (var c = app.jdbc(); var s = c.createStatement(); var rows = s.executeQuery("SELECT count(*) FROM media")) {
      rows.next();
      return rows.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String status(String id) throws java.sql.SQLException {
    try (var c = app.jdbc(); var s = c.prepareStatement("SELECT status FROM media WHERE id = ?")) {
      s.setLong(1, Long.parseLong(id));
      try (var rows = s.executeQuery()) {
        assertThat(rows.next()).isTrue();
        return rows.getString(1);
      }
    }
  }

  /** Polls; the outcome is asserted by the caller, never decided by a sleep. */
  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 300 && !condition.getAsBoolean(); i++) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).as("condition reached").isTrue();
  }
}
