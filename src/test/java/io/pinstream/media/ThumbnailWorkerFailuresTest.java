package io.pinstream.media;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pinstream.infra.Database;
import io.pinstream.infra.LocalEvents;
import io.pinstream.testing.TestApp;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Thumbnail workers: what a decoder throws, and at most 3 attempts per job")
class ThumbnailWorkerFailuresTest {
  /** A lease of 2 s: the app's sweep looks for abandoned jobs every second. */
  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("media").put("job_lease_seconds", 2));

  private static final AtomicInteger seed = new AtomicInteger(100);

  /** A processing row (and its original on disk) whose lease ends in {@code leaseSeconds} (negative: ran out). */
  private static Media processing(int attempts, int leaseSeconds) throws Exception {
    byte[] photo = TestImages.jpeg(TestImages.noise(120, 80, seed.incrementAndGet()), false);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(photo));
    Path original = app.app().components().mediaStorage().original(sha);
    Files.createDirectories(original.getParent());
    Files.write(original, photo);
    return app.app().components().pg().preparedQuery("""
            INSERT INTO media AS m (sha256, format, bytes, width, height, attempts, claimed_until)
            VALUES ($1, 'jpeg', $2, 120, 80, $3, now() + make_interval(secs => $4))
            RETURNING""" + " " + Media.COLUMNS)
        .execute(Tuple.of(sha, photo.length, attempts, leaseSeconds))
        .map(rows -> Media.from(rows.iterator().next())).await(10, TimeUnit.SECONDS);
  }

  private static Media reload(long id) throws Exception {
    return new MediaStore(app.app().components().pg()).get(id).await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("an OutOfMemoryError or StackOverflowError from a decoder marks the media failed, and the worker goes on")
  void errorsFromDecodersFailTheMedia() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = Database.pool(vertx, app.config().pg());
      LocalEvents events = new LocalEvents(vertx);
      MediaStorage storage = app.app().components().mediaStorage();
      AtomicReference<Error> thrown = new AtomicReference<>();
      vertx.deployVerticle(() -> new ThumbnailVerticle(events, new MediaStore(pool), storage,
              (media, info) -> {
                throw thrown.get();
              }, 60, new SimpleMeterRegistry()),
          new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setInstances(1)).await(10, TimeUnit.SECONDS);

      for (Error error : List.of(new OutOfMemoryError("Java heap space"), new StackOverflowError())) {
        thrown.set(error);
        Media job = processing(1, 3600);
        Media written = events.<Media>request(new ThumbnailJob(job, null, true), 10_000).await(15, TimeUnit.SECONDS);
        assertThat(written.status()).as(error.toString()).isEqualTo(Media.FAILED);
        assertThat(written.failureCode()).isEqualTo(ImageRejectedException.UNRENDERABLE);
        assertThat(reload(job.id()).status()).isEqualTo(Media.FAILED);
        assertThat(Files.exists(storage.original(job.sha256()))).isFalse();
      }
      assertThat(ImageRejectedException.forFailureCode(ImageRejectedException.UNRENDERABLE).code())
          .isEqualTo("image_corrupt");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("a job whose lease ran out after its third attempt is marked failed by the sweep, not rendered a fourth time")
  void attemptsAreCapped() throws Exception {
    Media exhausted = processing(3, -60);
    Media third = processing(2, -60);
    for (int i = 0; i < 200 && (Media.PROCESSING.equals(reload(exhausted.id()).status())
        || Media.PROCESSING.equals(reload(third.id()).status())); i++) {
      Thread.sleep(50);
    }
    Media failed = reload(exhausted.id());
    assertThat(failed.status()).isEqualTo(Media.FAILED);
    assertThat(failed.failureCode()).isEqualTo(ImageRejectedException.UNRENDERABLE);
    assertThat(failed.images()).isNull();
    assertThat(Files.exists(app.app().components().mediaStorage().imageDir(exhausted.sha256()))).isFalse();
    assertThat(attempts(exhausted.id())).isEqualTo(3);

    // The sweep still takes a job that has an attempt left.
    assertThat(reload(third.id()).status()).isEqualTo(Media.READY);
    assertThat(attempts(third.id())).isEqualTo(3);
  }

  private static int attempts(long id) throws Exception {
    return app.app().components().pg().preparedQuery("SELECT attempts FROM media WHERE id = $1")
        .execute(Tuple.of(id)).map(rows -> rows.iterator().next().getInteger(0)).await(10, TimeUnit.SECONDS);
  }
}
