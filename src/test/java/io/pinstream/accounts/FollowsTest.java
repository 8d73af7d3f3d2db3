package io.pinstream.accounts;

import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Profiles and following people")
class FollowsTest {
  @RegisterExtension
  static TestApp app = new TestApp();

  @Test
  @DisplayName("follow is idempotent, unfollow undoes it, and the counts stay right")
  void followUnfollow() {
    String ada = app.api().signUpAndLogIn("ada");
    app.api().signUpAndLogIn("bob");
    assertThat(app.api().put("/api/v1/users/bob/follow", ada).status()).isEqualTo(204);
    assertThat(app.api().put("/api/v1/users/bob/follow", ada).status()).isEqualTo(204);
    assertThat(app.api().get("/api/v1/users/bob").json().getInteger("follower_count")).isEqualTo(1);
    assertThat(app.api().get("/api/v1/users/ada").json().getInteger("following_count")).isEqualTo(1);
    assertThat(app.api().get("/api/v1/users/bob/followers").items().getJsonObject(0).getString("username")).isEqualTo("ada");
    assertThat(app.api().get("/api/v1/users/ada/following").items().getJsonObject(0).getString("username")).isEqualTo("bob");

    assertThat(app.api().delete("/api/v1/users/bob/follow", ada).status()).isEqualTo(204);
    assertThat(app.api().delete("/api/v1/users/bob/follow", ada).status()).isEqualTo(204);
    assertThat(app.api().get("/api/v1/users/bob").json().getInteger("follower_count")).isZero();
    assertThat(app.api().get("/api/v1/users/ada").json().getInteger("following_count")).isZero();
    assertThat(app.api().get("/api/v1/users/bob/followers").items()).isEmpty();
  }

  @Test
  @DisplayName("50 people following at once (and some twice) give the exact follower count")
  void concurrentFollows() {
    app.api().signUpAndLogIn("star");
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      tokens.add(app.api().signUpAndLogIn("fan_" + i));
    }
    List<CompletableFuture<Integer>> calls = new ArrayList<>();
    for (String token : tokens) {
      for (int twice = 0; twice < 2; twice++) {
        calls.add(CompletableFuture.supplyAsync(() -> app.api().put("/api/v1/users/star/follow", token).status()));
      }
    }
    calls.forEach(c -> assertThat(c.join()).isEqualTo(204));
    assertThat(app.api().get("/api/v1/users/star").json().getInteger("follower_count")).isEqualTo(50);
    assertThat(app.api().get("/api/v1/users/fan_7").json().getInteger("following_count")).isEqualTo(1);
  }

  @Test
  @DisplayName("followers page without repeats or gaps, and bad paging parameters are refused")
  void paging() {
    app.api().signUpAndLogIn("celeb");
    for (int i = 0; i < 7; i++) {
      app.api().put("/api/v1/users/celeb/follow", app.api().signUpAndLogIn("pager_" + i));
    }
    Set<String> seen = new HashSet<>();
    String bookmark = null;
    int pages = 0;
    do {
      var page = app.api().get("/api/v1/users/celeb/followers?page_size=3" + (bookmark == null ? "" : "&bookmark=" + bookmark));
      assertThat(page.status()).isEqualTo(200);
      page.items().forEach(u -> assertThat(seen.add(((JsonObject) u).getString("username"))).isTrue());
      bookmark = page.json().getString("bookmark");
      pages++;
    } while (bookmark != null);
    assertThat(seen).hasSize(7);
    assertThat(pages).isEqualTo(3);

    assertThat(app.api().get("/api/v1/users/celeb/followers?page_size=0").status()).isEqualTo(422);
    assertThat(app.api().get("/api/v1/users/celeb/followers?page_size=101").status()).isEqualTo(422);
    assertThat(app.api().get("/api/v1/users/celeb/followers?page_size=abc").status()).isEqualTo(422);
    assertThat(app.api().get("/api/v1/users/celeb/followers?bookmark=garbage!!").status()).isEqualTo(400);
  }

  @Test
  @DisplayName("unknown users are 404, following yourself is 422, following needs a session")
  void badFollows() {
    String me = app.api().signUpAndLogIn("loner");
    var unknown = app.api().put("/api/v1/users/ghost_user/follow", me);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().getString("code")).isEqualTo("user_not_found");
    assertThat(app.api().get("/api/v1/users/ghost_user").status()).isEqualTo(404);
    assertThat(app.api().get("/api/v1/users/ghost_user/followers").status()).isEqualTo(404);
    var self = app.api().put("/api/v1/users/loner/follow", me);
    assertThat(self.status()).isEqualTo(422);
    assertThat(self.json().getString("code")).isEqualTo("cannot_follow_self");
    assertThat(app.api().put("/api/v1/users/loner/follow", null).status()).isEqualTo(401);
  }
}
