package io.pinstream.boards;

import io.vertx.core.Future;

/**
 * Told after a board follow or unfollow changed something, before the request answers: home feeds
 * merge or drop the board's pins, live home subscriptions reload whom they follow.
 */
public interface BoardFollowEvents {
  Future<Void> boardFollowed(long userId, long boardId);

  Future<Void> boardUnfollowed(long userId, long boardId);

  /** Tells {@code first}, then {@code second}. */
  static BoardFollowEvents inOrder(BoardFollowEvents first, BoardFollowEvents second) {
    return new BoardFollowEvents() {
      @Override
      public Future<Void> boardFollowed(long userId, long boardId) {
        return first.boardFollowed(userId, boardId).compose(v -> second.boardFollowed(userId, boardId));
      }

      @Override
      public Future<Void> boardUnfollowed(long userId, long boardId) {
        return first.boardUnfollowed(userId, boardId).compose(v -> second.boardUnfollowed(userId, boardId));
      }
    };
  }
}
