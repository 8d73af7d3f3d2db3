package io.pinstream.media;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Arrays;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL statements per upload, counted by the SQL client's own metrics
 * ({@code vertx.sql.processing.time} counts every statement the pool ran). The sweeps that query on
 * a timer are set to a long period, so nothing else talks to PostgreSQL meanwhile, and each upload
 * comes right after another authenticated request, so the session is in the process's cache.
 */
@DisplayName("An upload costs one PostgreSQL statement per state change")
class UploadRoundTripsTest {
  @RegisterExtension
  static TestApp app = new TestApp(json -> {
    json.getJsonObject("media").put("job_lease_seconds", 3600);
    json.getJsonObject("feed").put("outbox_lease_seconds", 3600);
  });

  private static String token;

  @BeforeAll
  static void signIn() {
    token = app.api().signUpAndLogIn("counted_uploader");
  }

  @Test
  @DisplayName("a new upload: the upsert and the ready row, nothing else")
  void newUpload() throws Exception {
    byte[] photo = TestImages.jpeg(TestImages.noise(640, 480, 51), false);
    assertThat(statementsOf(() -> upload(photo, 201))).isEqualTo(2);
  }

  @Test
  @DisplayName("the same bytes again: the upsert alone")
  void duplicateUpload() throws Exception {
    byte[] photo = TestImages.jpeg(TestImages.noise(640, 480, 53), false);
    upload(photo, 201);
    assertThat(statementsOf(() -> upload(photo, 201))).isEqualTo(1);
  }

  @Test
  @DisplayName("pixels the worker refuses: the upsert, the failed row, and its removal")
  void refusedByTheWorker() throws Exception {
    byte[] photo = TestImages.jpeg(TestImages.noise(800, 600, 55), false);
    byte[] truncated = Arrays.copyOf(photo, photo.length * 4 / 10);
    assertThat(statementsOf(() -> upload(truncated, 422))).isEqualTo(3);
  }

  @Test
  @DisplayName("a header the probe refuses: no statement at all")
  void refusedByTheProbe() {
    byte[] html = "<html><body>not an image</body></html>".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(statementsOf(() -> upload(html, 415))).isZero();
  }

  private static ApiClient.Reply upload(byte[] bytes, int status) {
    ApiClient.Reply reply = app.api().upload(token, bytes);
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    return reply;
  }

  /** Statements run while {@code upload} ran; the session is looked up first, so it comes from the cache. */
  private static long statementsOf(Supplier<ApiClient.Reply> upload) {
    assertThat(app.api().get("/api/v1/users/me/earnings", token).status()).isEqualTo(200);
    long before = statements();
    upload.get();
    return statements() - before;
  }

  private static long statements() {
    var registry = app.app().components().metrics();
    // A statement is counted when its result is handled; the answer may be written just before.
    for (int i = 0; i < 100 && registry.get("vertx.sql.processing.pending").gauge().value() > 0; i++) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
    return (long) registry.get("vertx.sql.processing.time").timer().count();
  }
}
