package io.pinstream.accounts;

import io.vertx.core.Future;

/**
 * Told after a user follow or unfollow changed something, before the request answers: home feeds
 * merge or drop the followee's pins, live home subscriptions reload whom they follow.
 */
public interface FollowEvents {
  Future<Void> userFollowed(long followerId, long followeeId);

  Future<Void> userUnfollowed(long followerId, long followeeId);

  /** Tells {@code first}, then {@code second}. */
  static FollowEvents inOrder(FollowEvents first, FollowEvents second) {
    return new FollowEvents() {
      @Override
      public Future<Void> userFollowed(long followerId, long followeeId) {
        return first.userFollowed(followerId, followeeId).compose(v -> second.userFollowed(followerId, followeeId));
      }

      @Override
      public Future<Void> userUnfollowed(long followerId, long followeeId) {
        return first.userUnfollowed(followerId, followeeId).compose(v -> second.userUnfollowed(followerId, followeeId));
      }
    };
  }
}
