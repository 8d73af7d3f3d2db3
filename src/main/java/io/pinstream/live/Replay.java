package io.pinstream.live;

import io.pinstream.common.Ids;
import io.pinstream.feed.FeedService;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;

/**
 * What a client missed on a topic since a pin id, read from the topic's feed itself (Redis, and
 * PostgreSQL past the cap), so a browser away for a day catches up like one away for a second; and
 * how the subscription then goes live without a gap or a duplicate: live events that arrive while
 * the feed is read are held ({@link Subscription#buffer}) and sent after the replay, minus what it held.
 */
final class Replay {
  /** How long a replayed pin's live event is expected to trail its arrival in the feed, at most. */
  private static final long IN_FLIGHT_MS = 30_000;
  private static final Logger log = LoggerFactory.getLogger(Replay.class);
  private static final int PAGE = 100;
  private final FeedService feeds;

  Replay(FeedService feeds) {
    this.feeds = feeds;
  }

  /** A pin the client missed: its id and its API object as the feed holds it (encoded JSON). */
  record Missed(long id, String json) {
  }

  /** Pins newer than {@code since}, newest first; null when there are more than {@code max} (resync). */
  Future<List<Missed>> newerThan(Subscription sub, long since, int max) {
    return collect(sub, since, max, null, new ArrayList<>());
  }

  private Future<List<Missed>> collect(Subscription sub, long since, int max, Long before, List<Missed> found) {
    return page(sub, before, Math.min(PAGE, max + 1)).compose(page -> {
      Long last = null;
      for (byte[] encoded : page.items()) {
        last = Long.parseLong(new JsonObject(Buffer.buffer(encoded)).getString("id"));
        if (last <= since) {
          return Future.succeededFuture(found);
        }
        if (found.size() == max) {
          return Future.succeededFuture(null);
        }
        found.add(new Missed(last, new String(encoded, StandardCharsets.UTF_8)));
      }
      return page.bookmark() == null || last == null
          ? Future.succeededFuture(found)
          : collect(sub, since, max, last, found);
    });
  }

  private Future<FeedService.Page> page(Subscription sub, Long before, int size) {
    return switch (sub.topic.kind()) {
      case HOME -> feeds.home(sub.connection.user.id(), before, size);
      case BOARD -> feeds.board(sub.topic.boardId(), before, size);
      case USER -> feeds.user(sub.userId, before, size);
      case TRENDING -> throw new IllegalArgumentException("trending has no replay");
    };
  }

  /**
   * Sends the replay oldest first, then what arrived meanwhile minus what the replay already held
   * (and anything not newer than {@code since}), then the subscription is live: no gap, no duplicate.
   */
  void finish(LiveHub hub, Subscription sub, long since, List<Missed> pins, Throwable failure) {
    LiveConnection c = sub.connection;
    if (c.closed || !c.subscriptions.contains(sub)) {
      return;
    }
    String topic = sub.topic.name();
    Set<Long> sent = new HashSet<>();
    if (pins == null || sub.bufferOverflowed) {
      if (failure != null) {
        log.warn("live replay of {} failed: {}", topic, failure.toString());
      }
      hub.send(c, "resync", null,
          LiveProtocol.resync(topic, failure != null ? "replay_unavailable" : "too_many_missed"));
    } else {
      for (int i = pins.size() - 1; i >= 0 && !c.closed; i--) {
        Missed pin = pins.get(i);
        sent.add(pin.id());
        if (!hub.offer(c, LiveEvent.PIN, Long.toString(pin.id()), LiveEvent.pinMessage(topic, null, pin.json()))) {
          hub.closeSlow(c); // a silent drop would be a gap: the client is told to resync instead
          return;
        }
      }
    }
    List<LiveEvent> held = sub.buffer;
    sub.buffer = null;
    for (LiveEvent event : held) {
      if (!event.deleted() && (event.pinId() <= since || sent.remove(event.pinId()))) {
        continue;
      }
      if (!hub.offer(c, event.type(), event.deleted() ? null : Long.toString(event.pinId()), event.message(topic, event.positionFor(sub.topic.kind())))) {
        hub.closeSlow(c);
        return;
      }
    }
    long now = System.currentTimeMillis();
    sent.removeIf(id -> Ids.createdAtMillis(id) < now - IN_FLIGHT_MS); // old pins' events are long past
    if (!sent.isEmpty()) {
      sub.replayedInFlight = sent;
      sub.replayedInFlightUntil = now + IN_FLIGHT_MS;
    }
  }

}
