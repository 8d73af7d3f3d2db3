package io.pinstream.live;

import io.pinstream.feed.HomeRule;

import java.util.ArrayList;
import java.util.List;

/** One topic on one connection. Home subscriptions carry whom the viewer follows, to route pins without a lookup. */
final class Subscription {
  final LiveConnection connection;
  final Topic topic;
  /** A user topic's user id (for replay). */
  long userId;
  /** Home only: whose pins the viewer's home feed shows. */
  HomeRule.Sources homeSources = HomeRule.Sources.NONE;
  /** Live events held back while the replay is being sent; null once live. */
  List<LiveEvent> buffer;
  boolean bufferOverflowed;
  /**
   * The position the subscription went live at: an event at or before it was sent already (replayed)
   * or precedes the subscription, and may still come in live, since Redis answers the history read
   * and delivers the events on different connections. Cleared by the first later event.
   */
  LiveEvent.Position covered;
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

  /** Home routes by the home feed's own rule; every other topic is routed by its key. */
  boolean wants(LiveEvent event) {
    return topic.kind() != Topic.Kind.HOME || homeSources.shows(event.ownerId(), event.boardId());
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
