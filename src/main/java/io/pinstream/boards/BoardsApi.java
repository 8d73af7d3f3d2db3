package io.pinstream.boards;

import io.pinstream.accounts.Auth;
import io.pinstream.accounts.UserRef;
import io.pinstream.accounts.UserStore;
import io.pinstream.common.Ids;
import io.pinstream.web.IdempotencyKeys;
import io.pinstream.web.JsonInput;
import io.pinstream.web.Paging;
import io.pinstream.common.Problems;
import io.pinstream.web.Responses;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Boards and board follows. The board's pins ({@code GET /boards/{id}/pins}) are a feed ({@code feed.FeedsApi}). */
public final class BoardsApi {
  private final BoardStore boards;
  private final UserStore users;
  private final Auth auth;
  private final BoardFollowEvents followEvents;

  public BoardsApi(BoardStore boards, UserStore users, Auth auth, BoardFollowEvents followEvents) {
    this.boards = boards;
    this.users = users;
    this.auth = auth;
    this.followEvents = followEvents;
  }

  public void mount(Router api) {
    api.post("/api/v1/boards").handler(auth.required()).handler(this::create);
    api.get("/api/v1/boards/:id").handler(auth.optional()).handler(this::get);
    api.put("/api/v1/boards/:id/follow").handler(auth.required()).handler(this::follow);
    api.delete("/api/v1/boards/:id/follow").handler(auth.required()).handler(this::unfollow);
    api.get("/api/v1/users/:username/boards").handler(this::byOwner);
  }

  private void create(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    JsonInput in = JsonInput.of(ctx);
    String name = in.requiredString("name", 1, 50);
    String description = in.optionalString("description", 0, 500);
    if (name != null && name.isBlank()) {
      in.error("name", "must not be blank");
    }
    in.validate();
    Responses.reply(ctx, 201, boards.create(me.id(), name.strip(), description == null ? "" : description,
            IdempotencyKeys.creationKey(ctx))
        .map(board -> {
          ctx.response().putHeader("Location", "/api/v1/boards/" + board.id());
          return board.toJson();
        }));
  }

  /** A signed-in viewer also learns whether they follow the board ({@code viewer_follows}). */
  private void get(RoutingContext ctx) {
    UserRef viewer = Auth.viewer(ctx);
    long id = Ids.pathId(ctx.pathParam("id"), "board");
    Responses.reply(ctx, 200, boards.get(id).compose(board -> viewer == null
        ? Future.succeededFuture(board.toJson())
        : boards.followedBy(viewer.id(), id).map(follows -> board.toJson().put("viewer_follows", follows))));
  }

  private void follow(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    long id = Ids.pathId(ctx.pathParam("id"), "board");
    Future<Void> done = boards.get(id).compose(board -> board.owner().id() == me.id()
        ? Future.failedFuture(Problems.unprocessable("cannot_follow_own_board", "You cannot follow your own board"))
        : boards.follow(me.id(), id).compose(v -> followEvents.boardFollowed(me.id(), id)));
    Responses.replyEmpty(ctx, done);
  }

  private void unfollow(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    long id = Ids.pathId(ctx.pathParam("id"), "board");
    Responses.replyEmpty(ctx, boards.get(id).compose(board -> boards.unfollow(me.id(), id))
        .compose(v -> followEvents.boardUnfollowed(me.id(), id)));
  }

  private void byOwner(RoutingContext ctx) {
    Paging paging = Paging.of(ctx);
    Long before = paging.afterId();
    Responses.reply(ctx, 200, users.byUsername(ctx.pathParam("username"))
        .compose(owner -> boards.byOwner(owner.id(), before, paging.pageSize() + 1))
        .map(rows -> paging.page(rows, Board::toJson, b -> String.valueOf(b.id()))));
  }
}
