package io.pinstream.accounts;

import io.pinstream.web.Paging;
import io.pinstream.common.Problems;
import io.pinstream.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/** Profiles and the follow graph: {@code /api/v1/users/{username}...}. */
public final class UsersApi {
  private final UserStore users;
  private final Auth auth;
  private final FollowEvents followEvents;

  public UsersApi(UserStore users, Auth auth, FollowEvents followEvents) {
    this.users = users;
    this.auth = auth;
    this.followEvents = followEvents;
  }

  public void mount(Router api) {
    api.get("/api/v1/users/:username").handler(auth.optional()).handler(this::profile);
    api.put("/api/v1/users/:username/follow").handler(auth.required()).handler(this::follow);
    api.delete("/api/v1/users/:username/follow").handler(auth.required()).handler(this::unfollow);
    api.get("/api/v1/users/:username/followers").handler(ctx -> list(ctx, true));
    api.get("/api/v1/users/:username/following").handler(ctx -> list(ctx, false));
  }

  /** A signed-in viewer also learns whether they follow the user ({@code viewer_follows}), for a Follow button. */
  private void profile(RoutingContext ctx) {
    UserRef viewer = Auth.viewer(ctx);
    Responses.reply(ctx, 200, users.byUsername(ctx.pathParam("username")).compose(user -> viewer == null
        ? Future.succeededFuture(user.toJson())
        : users.follows(viewer.id(), user.id()).map(follows -> user.toJson().put("viewer_follows", follows))));
  }

  private void follow(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    Future<Void> done = users.byUsername(ctx.pathParam("username")).compose(target -> {
      if (target.id() == me.id()) {
        return Future.failedFuture(Problems.unprocessable("cannot_follow_self", "You cannot follow yourself"));
      }
      return users.follow(me.id(), target.id())
          .compose(v -> followEvents.userFollowed(me.id(), target.id()));
    });
    Responses.replyEmpty(ctx, done);
  }

  private void unfollow(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    Future<Void> done = users.byUsername(ctx.pathParam("username"))
        .compose(target -> users.unfollow(me.id(), target.id())
            .compose(v -> followEvents.userUnfollowed(me.id(), target.id())));
    Responses.replyEmpty(ctx, done);
  }

  private void list(RoutingContext ctx, boolean followers) {
    Paging paging = Paging.of(ctx);
    Long before = paging.afterId();
    Future<JsonObject> page = users.byUsername(ctx.pathParam("username"))
        .compose(user -> followers
            ? users.followers(user.id(), before, paging.pageSize() + 1)
            : users.following(user.id(), before, paging.pageSize() + 1))
        .map((List<UserStore.Listed> rows) -> paging.page(rows, l -> l.user().toJson(), l -> String.valueOf(l.cursor())));
    Responses.reply(ctx, 200, page);
  }
}
