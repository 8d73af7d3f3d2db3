package io.pinstream.feed;

import io.pinstream.testing.TestApp;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The fan-out script's rules on a real Redis, with a cap large enough to have slack. */
class FeedStoreTest {
  private static final int CAP = 32; // slack: 32 / 16 = 2

  @RegisterExtension
  static TestApp app = new TestApp();

  private static FeedStore store() {
    return new FeedStore(app.app().components().redis(), app.app().components().keys(), app.app().components().scripts());
  }

  private static RedisAPI redis() {
    return app.redis();
  }

  private static double floorOf(String feed) {
    return redis().zscore(feed, "_floor").await().toDouble();
  }

  @Test
  @DisplayName("fan-out adds only to built feeds, lets a full one grow by the slack, then trims it back to cap and raises the floor")
  void trimsInSlack() {
    FeedStore store = store();
    String built = store.home(1);
    String unbuilt = store.home(2);
    redis().zadd(List.of(built, "0", "_floor")).await();

    for (long id = 1; id <= CAP + 2; id++) {
      store.add(List.of(built, unbuilt), 1000 + id, CAP).await();
    }
    assertThat(redis().exists(List.of(unbuilt)).await().toInteger()).isZero();
    assertThat(redis().zcard(built).await().toInteger()).isEqualTo(CAP + 2 + 1); // within the slack: untouched
    assertThat(floorOf(built)).isZero();

    store.add(List.of(built), 1000 + CAP + 3, CAP).await(); // one over the slack
    assertThat(redis().zcard(built).await().toInteger()).isEqualTo(CAP + 1);
    // Everything above the floor is still there, and the floor is the newest pin that was cut.
    assertThat(floorOf(built)).isEqualTo(1000 + 3);
    assertThat(redis().zrangebyscore(List.of(built, "(" + 1003, "+inf")).await().size()).isEqualTo(CAP);
  }

  @Test
  @DisplayName("a pin delivered late, below the floor, is never read and is the first to go at the next trim")
  void latePinBelowTheFloor() {
    FeedStore store = store();
    String feed = store.home(3);
    redis().zadd(List.of(feed, "5000", "_floor")).await();
    store.add(List.of(feed), 4000, CAP).await(); // a delivery resumed after a crash, older than the floor
    FeedStore.Window window = store.read(List.of(feed), null, 10).await().get(0);
    assertThat(window.ids()).isEmpty();
    assertThat(window.floor()).isEqualTo(5000);

    for (long id = 5001; id <= 5001 + CAP + 2; id++) {
      store.add(List.of(feed), id, CAP).await();
    }
    assertThat(redis().zscore(feed, "4000").await()).isNull();
    assertThat(redis().zscore(feed, "_floor").await()).isNotNull();
    assertThat(redis().zcard(feed).await().toInteger()).isEqualTo(CAP + 1);
    assertThat(store.read(List.of(feed), null, 100).await().get(0).ids()).hasSize(CAP);
  }
}
