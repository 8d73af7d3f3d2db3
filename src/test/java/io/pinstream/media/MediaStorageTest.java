package io.pinstream.media;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Media storage never blocks an event loop")
class MediaStorageTest {
  @TempDir
  Path dir;

  @Test
  @DisplayName("its blocking calls refuse to run on an event loop and run on a worker")
  void blockingCallsRefuseEventLoops() throws Exception {
    MediaStorage storage = new MediaStorage(dir);
    storage.prepare();
    Vertx vertx = Vertx.vertx();
    try {
      CompletableFuture<Throwable> onLoop = new CompletableFuture<>();
      vertx.runOnContext(v -> {
        try {
          storage.deleteAll("ab".repeat(32));
          onLoop.complete(null);
        } catch (Throwable e) {
          onLoop.complete(e);
        }
      });
      assertThat(onLoop.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("event loop");
      vertx.executeBlocking(() -> {
        storage.deleteAll("ab".repeat(32));
        return null;
      }).await(5, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }
}
