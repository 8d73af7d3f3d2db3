package io.pinstream.feed;

import io.pinstream.accounts.Auth;
import io.pinstream.accounts.UserStore;
import io.pinstream.boards.BoardStore;
import io.pinstream.common.Ids;
import io.pinstream.web.Paging;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** The lists of pins: home, trending, a board's and a user's, all newest first except trending. */
public final class FeedsApi {
  private final FeedService feeds;
  private final BoardStore boards;
  private final UserStore users;
  private final Auth auth;

  public FeedsApi(FeedService feeds, BoardStore boards, UserStore users, Auth auth) {
    this.feeds = feeds;
    this.boards = boards;
    this.users = users;
    this.auth = auth;
  }

  public void mount(Router router) {
    router.get("/api/v1/feeds/home").handler(auth.required()).handler(this::home);
    router.get("/api/v1/feeds/trending").handler(this::trending);
    router.get("/api/v1/boards/:id/pins").handler(this::board);
    router.get("/api/v1/users/:username/pins").handler(this::user);
  }

  private void home(RoutingContext ctx) {
    Paging paging = Paging.of(ctx);
    reply(ctx, feeds.home(Auth.user(ctx).id(), paging.afterId(), paging.pageSize()));
  }

  private void board(RoutingContext ctx) {
    Paging paging = Paging.of(ctx);
    long boardId = Ids.pathId(ctx.pathParam("id"), "board");
    reply(ctx, boards.get(boardId).compose(board -> feeds.board(boardId, paging.afterId(), paging.pageSize())));
  }

  private void user(RoutingContext ctx) {
    Paging paging = Paging.of(ctx);
    reply(ctx, users.byUsername(ctx.pathParam("username"))
        .compose(user -> feeds.user(user.id(), paging.afterId(), paging.pageSize())));
  }

  private void trending(RoutingContext ctx) {
    Paging paging = Paging.of(ctx);
    reply(ctx, feeds.trending(paging.cursor(), paging.pageSize()));
  }

  private static void reply(RoutingContext ctx, Future<FeedService.Page> page) {
    page.onSuccess(p -> ctx.response()
            .putHeader("Content-Type", "application/json; charset=utf-8")
            .putHeader("Cache-Control", "no-store")
            .end(p.toJson()))
        .onFailure(ctx::fail);
  }
}
