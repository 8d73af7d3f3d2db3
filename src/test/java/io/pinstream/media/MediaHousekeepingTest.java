package io.pinstream.media;

import io.pinstream.common.Ids;
import io.pinstream.testing.TestApp;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Media housekeeping: unreferenced media and abandoned upload parts")
class MediaHousekeepingTest {
  @RegisterExtension
  static TestApp app = new TestApp();

  private static final AtomicInteger seed = new AtomicInteger(500);
  private static String token;
  private static String board;

  @BeforeAll
  static void signIn() {
    token = app.api().signUpAndLogIn("keeper");
    board = app.api().createBoard(token, "Kept");
  }

  private static MediaHousekeeping housekeeping() {
    return app.app().components().mediaHousekeeping();
  }

  private static MediaStorage storage() {
    return app.app().components().mediaStorage();
  }

  /** A ready media; returns its JSON. */
  private static JsonObject upload() throws Exception {
    var reply = app.api().upload(token, TestImages.jpeg(TestImages.noise(300, 200, seed.incrementAndGet()), false));
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    return reply.json();
  }

  private static String sha(JsonObject media) {
    String url = media.getJsonObject("images").getJsonObject("736x").getString("url");
    return url.split("/")[2];
  }

  private static void age(JsonObject... media) throws Exception {
    try (Connection db = app.jdbc();
         PreparedStatement st = db.prepareStatement("UPDATE media SET created_at = now() - interval '25 hours' WHERE id = ?")) {
      for (JsonObject m : media) {
        st.setLong(1, Ids.parse(m.getString("id")));
        st.executeUpdate();
      }
    }
  }

  private static boolean stored(JsonObject media) {
    String sha = sha(media);
    return Files.exists(storage().original(sha)) || Files.exists(storage().imageDir(sha));
  }

  private static int status(JsonObject media) {
    return app.api().get("/api/v1/media/" + media.getString("id")).status();
  }

  @Test
  @DisplayName("media no pin uses are deleted, row and files, once older than the setting; pinned and young ones stay")
  void unreferencedMediaAreDeleted() throws Exception {
    JsonObject old = upload();
    JsonObject young = upload();
    JsonObject pinned = upload();
    app.api().createPin(token, board, pinned.getString("id"), "kept");
    age(old, pinned);

    assertThat(housekeeping().sweepUnreferenced().await(30, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(status(old)).isEqualTo(404);
    assertThat(stored(old)).isFalse();
    assertThat(status(young)).isEqualTo(200);
    assertThat(stored(young)).isTrue();
    assertThat(status(pinned)).isEqualTo(200);
    assertThat(stored(pinned)).isTrue();
    assertThat(app.api().get(pinned.getJsonObject("images").getJsonObject("236x").getString("url")).status())
        .isEqualTo(200);
  }

  @Test
  @DisplayName("two sweeps at once (two nodes) delete each media once between them")
  void concurrentSweepsShareTheWork() throws Exception {
    JsonObject[] media = new JsonObject[6];
    for (int i = 0; i < media.length; i++) {
      media[i] = upload();
    }
    age(media);
    MediaHousekeeping other = new MediaHousekeeping(app.vertx(), new MediaStore(app.app().components().pg()),
        storage(), 24);
    Future<Integer> a = housekeeping().sweepUnreferenced();
    Future<Integer> b = other.sweepUnreferenced();
    assertThat(a.await(30, TimeUnit.SECONDS) + b.await(30, TimeUnit.SECONDS)).isEqualTo(media.length);
    for (JsonObject m : media) {
      assertThat(status(m)).isEqualTo(404);
      assertThat(stored(m)).isFalse();
    }
  }

  @Test
  @DisplayName("a media that a pin is being created on while the sweep runs keeps its row and its files")
  void aPinBeingCreatedKeepsItsMedia() throws Exception {
    JsonObject media = upload();
    age(media);
    long owner;
    try (Connection db = app.jdbc();
         var st = db.prepareStatement("SELECT owner_id FROM boards WHERE id = ?")) {
      st.setLong(1, Ids.parse(board));
      var rs = st.executeQuery();
      rs.next();
      owner = rs.getLong(1);
    }
    try (Connection db = app.jdbc()) {
      db.setAutoCommit(false);
      try (var st = db.prepareStatement("INSERT INTO pins (board_id, owner_id, media_id) VALUES (?, ?, ?)")) {
        st.setLong(1, Ids.parse(board));
        st.setLong(2, owner);
        st.setLong(3, Ids.parse(media.getString("id")));
        st.executeUpdate();
      }
      // The pin is not committed yet: the sweep must neither wait for it nor take the media.
      assertThat(housekeeping().sweepUnreferenced().await(10, TimeUnit.SECONDS)).isZero();
      db.commit();
    }
    assertThat(housekeeping().sweepUnreferenced().await(10, TimeUnit.SECONDS)).isZero();
    assertThat(status(media)).isEqualTo(200);
    assertThat(stored(media)).isTrue();
  }

  @Test
  @DisplayName("upload parts under tmp/ untouched for minutes are swept while running; fresh ones and those in use stay")
  void abandonedPartsAreSwept() throws Exception {
    Path tmp = storage().newTempFile().getParent();
    FileTime longAgo = FileTime.from(Instant.now().minus(MediaHousekeeping.TEMP_IDLE).minus(Duration.ofMinutes(1)));
    Path abandoned = Files.write(tmp.resolve("cut-by-kill-9.part"), new byte[] {1, 2, 3});
    Files.setLastModifiedTime(abandoned, longAgo);
    Path fresh = Files.write(tmp.resolve("being-written.part"), new byte[] {1});
    Path inUse = storage().newTempFile();
    Files.write(inUse, new byte[] {4});
    Files.setLastModifiedTime(inUse, longAgo); // a slow upload still waiting for its answer
    try {
      assertThat(housekeeping().sweepTemp().await(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(abandoned).doesNotExist();
      assertThat(fresh).exists();
      assertThat(inUse).exists();
    } finally {
      storage().releaseTemp(inUse);
      Files.deleteIfExists(fresh);
      Files.deleteIfExists(inUse);
    }
  }
}
