package io.pinstream.live;

import io.pinstream.accounts.FollowEvents;
import io.pinstream.boards.BoardFollowEvents;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows change what a live home subscription routes: after the feeds were updated, every node
 * reloads that user's follows. Telling the nodes is best effort: the follow itself has succeeded.
 */
public final class LiveFollows implements FollowEvents, BoardFollowEvents {
  private static final Logger log = LoggerFactory.getLogger(LiveFollows.class);
  private final LiveRelay relay;

  public LiveFollows(LiveRelay relay) {
    this.relay = relay;
  }

  @Override
  public Future<Void> userFollowed(long followerId, long followeeId) {
    return tell(followerId);
  }

  @Override
  public Future<Void> userUnfollowed(long followerId, long followeeId) {
    return tell(followerId);
  }

  @Override
  public Future<Void> boardFollowed(long userId, long boardId) {
    return tell(userId);
  }

  @Override
  public Future<Void> boardUnfollowed(long userId, long boardId) {
    return tell(userId);
  }

  private Future<Void> tell(long userId) {
    return relay.follows().publish(new FollowsChanged(userId)).recover(e -> {
      log.warn("telling live nodes that user {} changed follows failed: {}", userId, e.toString());
      return Future.succeededFuture();
    });
  }
}
