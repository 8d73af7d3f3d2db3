package io.pinstream.live;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** One topic on one connection. Home subscriptions carry whom the viewer follows, to route pins without a lookup. */
final class Subscription {
  private static final long[] NONE = new long[0];

  final LiveConnection connection;
  final Topic topic;
  /** A user topic's user id (for replay). */
  long userId;
  /** Home only, sorted: the viewer and the users they follow; the boards they follow. */
  long[] followedUsers = NONE;
  long[] followedBoards = NONE;
  /** Live events held back while the replay is being sent; null once live. */
  List<LiveEvent> buffer;
  boolean bufferOverflowed;
  /**
   * Replayed pins whose live event may still be on its way (a pin is in its feeds a moment before
   * its event reaches this node): those events are dropped, once each, for a short while.
   */
  java.util.Set<Long> replayedInFlight;
  long replayedInFlightUntil;

  Subscription(LiveConnection connection, Topic topic) {
    this.connection = connection;
    this.topic = topic;
  }

  /** The home feed rule (owner, followed owner, followed board); every other topic is routed by its key. */
  boolean wants(LiveEvent event) {
    if (topic.kind() != Topic.Kind.HOME) {
      return true;
    }
    return Arrays.binarySearch(followedUsers, event.ownerId()) >= 0
        || Arrays.binarySearch(followedBoards, event.boardId()) >= 0;
  }

  void follows(long[] users, long[] boards) {
    Arrays.sort(users);
    Arrays.sort(boards);
    followedUsers = users;
    followedBoards = boards;
  }

  /** True when the event is the live twin of a pin the replay already sent. */
  boolean alreadyReplayed(LiveEvent event) {
    if (replayedInFlight == null || event.deleted() || !replayedInFlight.remove(event.pinId())) {
      return false;
    }
    if (replayedInFlight.isEmpty()) {
      replayedInFlight = null;
    }
    return true;
  }

  void startBuffering() {
    buffer = new ArrayList<>();
  }
}
