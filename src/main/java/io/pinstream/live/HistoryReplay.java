package io.pinstream.live;

import io.pinstream.feed.PinHydrator;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a subscription of one hub takes its place in its topic's history ({@link TopicHistory}): at the
 * top (a plain subscribe, answered with the position to come back with), or after the epoch and
 * offset a reconnecting client last saw (what it missed is sent first, deletions included, in the
 * order it was published). Either way the subscription is in the hub's index, holding live events
 * ({@link Subscription#buffer}), before Redis is asked, and what the answer covers is dropped from
 * what it held: nothing is missed and nothing is sent twice.
 *
 * <p>Plain subscribes to one topic on one hub share their reads: a reconnect wave of thousands asks
 * Redis a handful of times, not thousands. A read only serves subscriptions that were holding events
 * before it was sent, so each waits for the next read after the one in flight.
 */
final class HistoryReplay {
  private static final Logger log = LoggerFactory.getLogger(HistoryReplay.class);
  /** Home replays filter every pin's history: read in pages of this many. */
  private static final int HOME_PAGE = 1000;

  private final LiveHub hub;
  private final TopicHistory history;
  private final PinHydrator pins;
  private final int max;
  /** Per topic: plain subscribes waiting for the next position read, and whether one is in flight. */
  private final Map<String, List<Subscription>> waiting = new HashMap<>();
  private final Map<String, Boolean> reading = new HashMap<>();

  HistoryReplay(LiveHub hub, TopicHistory history, PinHydrator pins, int max) {
    this.hub = hub;
    this.history = history;
    this.pins = pins;
    this.max = max;
  }

  /** The topic's id in the histories: a board's or user's id, 0 for home (every pin's history). */
  private static long historyId(Subscription sub) {
    return switch (sub.topic.kind()) {
      case BOARD -> sub.topic.boardId();
      case USER -> sub.userId;
      case HOME, TRENDING -> 0;
    };
  }

  // ---- a plain subscribe: at the top ----

  /** The subscription is indexed and holding events: answer it with the topic's current position. */
  void atTop(Subscription sub) {
    String topic = sub.topic.name();
    waiting.computeIfAbsent(topic, t -> new ArrayList<>()).add(sub);
    if (reading.putIfAbsent(topic, Boolean.TRUE) == null) {
      readTop(topic, sub.topic.kind(), historyId(sub));
    }
  }

  private void readTop(String topic, Topic.Kind kind, long id) {
    List<Subscription> batch = waiting.remove(topic);
    history.position(kind, id).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("live position of {} unavailable: {}", topic, ar.cause().toString());
      }
      LiveEvent.Position top = ar.succeeded() ? ar.result().position() : null;
      for (Subscription sub : batch) {
        if (live(sub)) {
          hub.send(sub.connection, "subscribed", null, LiveProtocol.subscribed(topic, top, null));
          flush(sub, top);
        }
      }
      if (waiting.containsKey(topic)) {
        readTop(topic, kind, id);
      } else {
        reading.remove(topic);
      }
    });
  }

  // ---- a reconnect: after the client's last position ----

  /** A missed event as it will be sent: its position, and its message's SSE id and text. */
  private record Missed(LiveEvent.Position at, String event, String id, String json) {
  }

  private record Outcome(TopicHistory.Read read, List<Missed> missed, String lost) {
  }

  /** The subscription is indexed and holding events: send what followed {@code from}, then go live. */
  void resume(Subscription sub, LiveEvent.Position from) {
    Topic.Kind kind = sub.topic.kind();
    long id = historyId(sub);
    boolean home = kind == Topic.Kind.HOME;
    history.after(kind, id, from.offset(), home ? HOME_PAGE : max, home ? Integer.MAX_VALUE : max)
        .compose(read -> {
          String lost = lost(read, from);
          if (lost != null) {
            return Future.succeededFuture(new Outcome(read, List.of(), lost));
          }
          return rest(sub, read, read.entries()).compose(entries -> missed(sub, read.epoch(), entries))
              .map(missed -> missed == null ? new Outcome(read, List.of(), "too_many_missed") : new Outcome(read, missed, null));
        })
        .onComplete(ar -> finish(sub, from, ar.succeeded() ? ar.result() : null, ar.cause()));
  }

  /** Why the client cannot catch up from {@code from}, or null when it can. */
  private static String lost(TopicHistory.Read read, LiveEvent.Position from) {
    if (!read.epoch().equals(from.epoch()) || from.offset() > read.top()) {
      return "history_lost"; // another history than the client's: Redis lost this one's past
    }
    if (read.tooMany()) {
      return "too_many_missed";
    }
    if (from.offset() < read.top() && (read.entries().isEmpty() || read.entries().get(0).offset() != from.offset() + 1)) {
      return "history_lost"; // trimmed or expired past the client's position
    }
    return null;
  }

  /** Home: the following pages of every pin's history, up to the top it read. */
  private Future<List<TopicHistory.Entry>> rest(Subscription sub, TopicHistory.Read read, List<TopicHistory.Entry> got) {
    if (sub.topic.kind() != Topic.Kind.HOME || got.size() < HOME_PAGE || got.isEmpty()) {
      return Future.succeededFuture(got);
    }
    long last = got.get(got.size() - 1).offset();
    if (last >= read.top() || sub.connection.closed) {
      return Future.succeededFuture(got);
    }
    return history.range(Topic.Kind.HOME, 0, last, read.top(), HOME_PAGE).compose(page -> {
      List<TopicHistory.Entry> all = new ArrayList<>(got);
      all.addAll(page);
      return page.size() < HOME_PAGE ? Future.succeededFuture(all) : rest(sub, read, all);
    });
  }

  /** The entries the subscription shows, as messages (pins read from the caches); null past the replay cap. */
  private Future<List<Missed>> missed(Subscription sub, String epoch, List<TopicHistory.Entry> entries) {
    List<TopicHistory.Entry> shown = entries.stream()
        .filter(e -> sub.topic.kind() != Topic.Kind.HOME || sub.homeSources.shows(e.ownerId(), e.boardId()))
        .toList();
    if (shown.size() > max) {
      return Future.succeededFuture(null);
    }
    List<Long> ids = shown.stream().filter(e -> !e.deleted()).map(TopicHistory.Entry::pinId).distinct().toList();
    return pins.hydrateEncoded(ids).map(found -> {
      Map<Long, String> byId = new HashMap<>();
      for (byte[] pin : found) {
        byId.put(Long.parseLong(new JsonObject(Buffer.buffer(pin)).getString("id")), new String(pin, StandardCharsets.UTF_8));
      }
      String topic = sub.topic.name();
      List<Missed> missed = new ArrayList<>(shown.size());
      for (TopicHistory.Entry e : shown) {
        LiveEvent.Position at = new LiveEvent.Position(epoch, e.offset());
        if (e.deleted()) {
          missed.add(new Missed(at, LiveEvent.PIN_DELETED, null, LiveEvent.deletedMessage(topic, e.pinId(), at)));
        } else {
          String pin = byId.get(e.pinId());
          if (pin != null) { // else deleted since: its deletion follows, in the history or live
            missed.add(new Missed(at, LiveEvent.PIN, Long.toString(e.pinId()), LiveEvent.pinMessage(topic, at, pin)));
          }
        }
      }
      return missed;
    });
  }

  private void finish(Subscription sub, LiveEvent.Position from, Outcome outcome, Throwable failure) {
    if (!live(sub)) {
      return;
    }
    LiveConnection c = sub.connection;
    String topic = sub.topic.name();
    if (outcome == null || outcome.lost() != null) {
      if (failure != null) {
        log.warn("live replay of {} failed: {}", topic, failure.toString());
      }
      LiveEvent.Position top = outcome == null ? null : outcome.read().position();
      hub.send(c, "subscribed", null, LiveProtocol.subscribed(topic, top, false));
      hub.send(c, "resync", null, LiveProtocol.resync(topic, outcome == null ? "replay_unavailable" : outcome.lost()));
      flush(sub, top);
      return;
    }
    hub.send(c, "subscribed", null, LiveProtocol.subscribed(topic, from, true));
    for (Missed m : outcome.missed()) {
      if (c.closed) {
        return;
      }
      if (!hub.offer(c, m.event(), m.id(), m.json())) {
        hub.closeSlow(c); // a silent drop would be a gap: the client is told to resync instead
        return;
      }
    }
    flush(sub, outcome.read().position());
  }

  // ---- going live ----

  /**
   * Sends what the subscription held while Redis was asked, minus what {@code after} covers (it was
   * before the subscription, or in the replay), and makes it live. Past the hold's bound: a resync.
   */
  void flush(Subscription sub, LiveEvent.Position after) {
    List<LiveEvent> held = sub.buffer;
    sub.buffer = null;
    sub.covered = after;
    LiveConnection c = sub.connection;
    if (sub.bufferOverflowed) {
      sub.bufferOverflowed = false;
      hub.send(c, "resync", null, LiveProtocol.resync(sub.topic.name(), "too_many_missed"));
      return;
    }
    for (LiveEvent event : held) {
      LiveEvent.Position at = event.positionFor(sub.topic.kind());
      if (sub.covered != null) {
        if (sub.covered.covers(at)) {
          continue;
        }
        sub.covered = null;
      }
      if (!hub.offer(c, event.type(), event.deleted() ? null : Long.toString(event.pinId()), event.message(sub.topic.name(), at))) {
        hub.closeSlow(c);
        return;
      }
    }
  }

  private static boolean live(Subscription sub) {
    return !sub.connection.closed && sub.connection.subscriptions.contains(sub);
  }
}
