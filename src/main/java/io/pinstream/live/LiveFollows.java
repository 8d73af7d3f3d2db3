package io.pinstream.live;

import io.pinstream.accounts.UsersApi;
import io.pinstream.boards.BoardsApi;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows change home feeds (the delegate does that) and also what a live home subscription routes:
 * after the feed is updated, every node reloads that user's follows. Telling the nodes is best
 * effort: the follow itself has succeeded by then.
 */
public final class LiveFollows implements UsersApi.FollowListener, BoardsApi.FollowListener {
  private static final Logger log = LoggerFactory.getLogger(LiveFollows.class);
  private final UsersApi.FollowListener users;
  private final BoardsApi.FollowListener boards;
  private final LiveRelay relay;

  public <T extends UsersApi.FollowListener & BoardsApi.FollowListener> LiveFollows(T feeds, LiveRelay relay) {
    this.users = feeds;
    this.boards = feeds;
    this.relay = relay;
  }

  @Override
  public Future<Void> userFollowed(long followerId, long followeeId) {
    return users.userFollowed(followerId, followeeId).compose(v -> tell(followerId));
  }

  @Override
  public Future<Void> userUnfollowed(long followerId, long followeeId) {
    return users.userUnfollowed(followerId, followeeId).compose(v -> tell(followerId));
  }

  @Override
  public Future<Void> boardFollowed(long userId, long boardId) {
    return boards.boardFollowed(userId, boardId).compose(v -> tell(userId));
  }

  @Override
  public Future<Void> boardUnfollowed(long userId, long boardId) {
    return boards.boardUnfollowed(userId, boardId).compose(v -> tell(userId));
  }

  private Future<Void> tell(long userId) {
    return relay.followsChanged(userId).recover(e -> {
      log.warn("telling live nodes that user {} changed follows failed: {}", userId, e.toString());
      return Future.succeededFuture();
    });
  }
}
