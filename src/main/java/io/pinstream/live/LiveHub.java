package io.pinstream.live;

import io.micrometer.core.instrument.Counter;
import io.pinstream.accounts.SessionRevoked;
import io.pinstream.accounts.UserStore;
import io.pinstream.boards.BoardStore;
import io.pinstream.config.Config;
import io.pinstream.common.ServiceException;
import io.pinstream.common.Ids;
import io.pinstream.feed.FeedService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The live connections of one event loop: it accepts their frames, subscribes them (checking the
 * topic, loading what routing needs), writes each event to the subscribers of its topics, and keeps
 * them honest (bounded queues, heartbeats, idle and slow consumers closed). The words of the protocol
 * are {@link LiveProtocol}'s, who follows what is the {@link TopicIndex}, catching up after
 * {@code since} is {@link Replay}'s. Everything here runs on the hub's event loop (connections are
 * accepted on it, events arrive on it), so nothing is locked. One periodic sweep per hub, not a timer
 * per connection, sends heartbeats and closes idle connections.
 */
final class LiveHub {
  private static final int MAX_BAD_FRAMES = 20;
  /** When a client refused for want of the database should subscribe again. */
  private static final long RETRY_AFTER_MS = 2000;
  private static final Logger log = LoggerFactory.getLogger(LiveHub.class);
  /** The warm-up's topic: a board topic by shape, with an id no board has; only warm-up sockets can name it. */
  private static final Topic WARM_UP = new Topic(Topic.Kind.BOARD, LiveWarmUp.TOPIC, 0, null);

  private final Vertx vertx;
  private final Config.Live config;
  private final LiveRelay relay;
  private final Replay replay;
  private final BoardStore boards;
  private final UserStore users;
  private final FeedService feeds;
  private final Set<LiveConnection> connections = new HashSet<>();
  private final TopicIndex index = new TopicIndex();
  private final TopicCache topics;
  private final HistoryReplay history;
  private long sweeper = -1;

  LiveHub(Vertx vertx, Config.Live config, LiveRelay relay, Replay replay, BoardStore boards, UserStore users,
          FeedService feeds) {
    this.vertx = vertx;
    this.config = config;
    this.relay = relay;
    this.replay = replay;
    this.boards = boards;
    this.users = users;
    this.feeds = feeds;
    this.topics = new TopicCache(boards, users);
    this.history = new HistoryReplay(this, relay.history(), relay.pins(), config.replayMaxPins());
  }

  void add(LiveConnection connection) {
    if (sweeper < 0) {
      // Started by the first connection, on the event loop that owns this hub.
      relay.pinEvents().subscribe(this::onEvent);
      relay.follows().subscribe(this::onFollowsChanged);
      relay.revocations().subscribe(this::onSessionRevoked);
      relay.onResubscribed(this::resyncAll);
      relay.onWarmUp(this::warmUpRound);
      // A tenth of the shortest heartbeat interval (at most a second): each sweep pings a slice of the connections.
      long sweepMs = Math.min(1000, Math.min(config.pingSeconds(), config.sseHeartbeatSeconds()) * 100L);
      sweeper = vertx.setPeriodic(sweepMs, id -> sweep());
    }
    // Each connection's heartbeat gets its own phase: connections opened together (a reconnect wave
    // after a deploy, a benchmark) must not all be pinged, and all answer, in one sweep, stalling
    // the broadcasts behind it.
    connection.lastPing -= ThreadLocalRandom.current().nextLong(heartbeatMs(connection));
    connections.add(connection);
    relay.connections().incrementAndGet();
  }

  /**
   * A warm-up round to this loop's warm-up sockets: a ping, then a broadcast; and the broadcast to a
   * topic without subscribers, as a pin's event goes to its owner's topic, trending and home, mostly
   * unheard. The dispatch loop must have taken each of its ways before C2 compiles it: a way it never
   * took is compiled as a trap, and the first pin that takes it sends the loop back to the
   * interpreter (JFR deoptimization events; BENCHMARKS.md, "Live push", round seven).
   */
  private void warmUpRound(LiveWarmUp.Round round) {
    Set<Subscription> subs = index.subscribers(LiveWarmUp.TOPIC);
    if (subs != null) {
      subs.forEach(sub -> sub.connection.heartbeat());
    }
    dispatch(LiveWarmUp.TOPIC, round.event().onBoard(), round.event(), relay.warmUpDelivered());
    dispatch(LiveWarmUp.UNHEARD, null, round.event(), relay.warmUpDelivered());
  }

  void remove(LiveConnection connection) {
    connection.closed = true;
    if (!connections.remove(connection)) {
      return;
    }
    relay.connections().decrementAndGet();
    connection.subscriptions.forEach(index::remove);
    connection.subscriptions.clear();
  }

  // ---- what clients send ----

  void onFrame(LiveConnection c, String text) {
    long second = System.currentTimeMillis() / 1000;
    if (second != c.frameSecond) {
      c.frameSecond = second;
      c.framesThisSecond = 0;
    }
    if (++c.framesThisSecond > config.maxFramesPerSecond()) {
      // Past the pace a person's page needs: not acted on, and counted towards closing the connection.
      badFrame(c, "rate_limited", "At most " + config.maxFramesPerSecond() + " frames a second");
      return;
    }
    LiveProtocol.Frame frame = LiveProtocol.parse(text);
    if (frame.bad()) {
      badFrame(c, frame.errorDetail());
    } else if (frame.errorCode() != null) {
      error(c, frame.errorCode(), frame.errorDetail(), frame.topic());
    } else {
      switch (frame.type()) {
        case PING -> send(c, "pong", null, LiveProtocol.pong());
        case SUBSCRIBE -> subscribe(c, frame.topic(), frame.since(), frame.from());
        case UNSUBSCRIBE -> unsubscribe(c, frame.topic());
      }
    }
  }

  void badFrame(LiveConnection c, String detail) {
    badFrame(c, "bad_frame", detail);
  }

  /** Tells the client, and closes the connection (1008) past {@value #MAX_BAD_FRAMES} such frames. */
  private void badFrame(LiveConnection c, String code, String detail) {
    error(c, code, detail, null);
    countBad(c);
  }

  /** A frame that asked for nothing sensible: past {@value #MAX_BAD_FRAMES} the connection is closed (1008). */
  private void countBad(LiveConnection c) {
    if (++c.badFrames > MAX_BAD_FRAMES) {
      c.close(LiveProtocol.POLICY, "too many bad frames");
      remove(c);
    }
  }

  /**
   * Subscribes at the topic's current position, or after {@code from} (a position in its history),
   * or after the pin {@code since} (read from its feed, the older way); trending has no history.
   */
  void subscribe(LiveConnection c, String name, Long since, LiveEvent.Position from) {
    Topic topic = c.warmUp ? (LiveWarmUp.TOPIC.equals(name) ? WARM_UP : null) : clientTopic(name);
    if (topic == null) {
      error(c, "bad_topic", "Topics are home, trending, board:<id> and user:<username>", name);
      countBad(c);
      return;
    }
    if (c.subscription(name) != null) {
      subscribed(c, name);
      return;
    }
    if (c.subscriptions.size() >= config.maxSubscriptions()) {
      error(c, "too_many_subscriptions", "At most " + config.maxSubscriptions() + " topics per connection", name);
      return;
    }
    if (topic.kind() == Topic.Kind.HOME && c.user == null) {
      error(c, "unauthorized", "The home topic needs a signed-in connection (a ticket or Authorization)", name);
      return;
    }
    Subscription sub = new Subscription(c, topic);
    c.subscriptions.add(sub);
    resolve(sub).onComplete(ar -> {
      if (c.closed || !c.subscriptions.contains(sub)) {
        return; // gone or unsubscribed meanwhile
      }
      if (ar.failed()) {
        c.subscriptions.remove(sub);
        if (ar.cause() instanceof ServiceException e && e.status() == 404) {
          error(c, "unknown_topic", "No such " + topic.kind().name().toLowerCase(), name);
          countBad(c);
        } else {
          // The database is away or busy: say when to try again instead of a bare refusal.
          send(c, "error", null, LiveProtocol.unavailable(name, RETRY_AFTER_MS));
        }
        return;
      }
      if (topic.kind() == Topic.Kind.TRENDING) {
        index.add(sub);
        subscribed(c, name);
        return;
      }
      sub.startBuffering(); // before the history or feed is read: whatever arrives meanwhile is held, not lost
      index.add(sub);
      if (from != null) {
        history.resume(sub, from);
      } else if (since != null) {
        subscribed(c, name);
        replay.newerThan(sub, since, config.replayMaxPins())
            .onComplete(pins -> replay.finish(this, sub, since, pins.succeeded() ? pins.result() : null, pins.cause()));
      } else {
        history.atTop(sub);
      }
    });
  }

  /** The topic a client names, or null when it is not one; the warm-up's cannot be named. */
  private Topic clientTopic(String name) {
    Topic known = index.topic(name); // thousands of subscriptions share one Topic and its name
    return known != null && known != WARM_UP ? known : Topic.parse(name);
  }

  /** Checks the topic exists and loads what routing needs (a home viewer's follows). */
  private Future<Void> resolve(Subscription sub) {
    Topic topic = sub.topic;
    return switch (topic.kind()) {
      case TRENDING -> Future.succeededFuture();
      case BOARD -> topic == WARM_UP ? Future.succeededFuture() : topics.board(topic.boardId());
      case USER -> topics.user(topic.username()).map(id -> {
        sub.userId = id;
        return null;
      });
      case HOME -> loadFollows(sub);
    };
  }

  private Future<Void> loadFollows(Subscription sub) {
    return feeds.homeSources(sub.connection.user.id()).map(sources -> {
      sub.homeSources = sources;
      return null;
    });
  }

  void unsubscribe(LiveConnection c, String name) {
    Subscription sub = c.subscription(name);
    if (sub != null) {
      c.subscriptions.remove(sub);
      index.remove(sub);
    }
    send(c, "unsubscribed", null, LiveProtocol.unsubscribed(name));
  }

  // ---- what the relay delivers ----

  /** Every subscription may have missed events: each is told to catch up (from its feed, with since). */
  private void resyncAll() {
    for (LiveConnection c : List.copyOf(connections)) {
      for (Subscription sub : List.copyOf(c.subscriptions)) {
        if (!c.closed) {
          send(c, "resync", null, LiveProtocol.resync(sub.topic.name(), "relay_reconnected"));
        }
      }
    }
  }

  private void onSessionRevoked(SessionRevoked revoked) {
    List.copyOf(connections).stream().filter(c -> revoked.fingerprint().equals(c.session)).forEach(c -> {
      c.close(LiveProtocol.SESSION_REVOKED, "session revoked");
      remove(c);
    });
  }

  private void onFollowsChanged(FollowsChanged changed) {
    index.homesOf(changed.userId()).forEach(sub -> loadFollows(sub)
        .onFailure(e -> log.warn("reloading follows for live home failed: {}", e.toString())));
  }

  private void onEvent(LiveEvent event) {
    long start = System.nanoTime();
    if (!event.deleted()) {
      relay.lag().record(Math.max(0, System.currentTimeMillis() - Ids.createdAtMillis(event.pinId())),
          TimeUnit.MILLISECONDS);
    }
    dispatch(Topic.board(event.boardId()), event.onBoard(), event, relay.delivered());
    dispatch(Topic.user(event.ownerUsername()), event.onUser(), event, relay.delivered());
    dispatch(Topic.TRENDING, null, event, relay.delivered());
    dispatch(Topic.HOME, event.onAll(), event, relay.delivered());
    relay.broadcast().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
  }

  /** Sends the event to the topic's subscribers; {@code delivered} counts the messages written (once per call). */
  private void dispatch(String topic, LiveEvent.Position at, LiveEvent event, Counter delivered) {
    Set<Subscription> subs = index.subscribers(topic);
    if (subs == null) {
      return;
    }
    LiveMessage message = null;
    List<LiveConnection> slow = null;
    int sent = 0;
    try {
      for (Subscription sub : subs) {
        if (!sub.wants(event) || sub.alreadyReplayed(event)) {
          continue;
        }
        if (sub.buffer != null) {
          if (sub.buffer.size() < config.replayMaxPins() + config.maxQueuedMessages()) {
            sub.buffer.add(event);
          } else {
            sub.bufferOverflowed = true;
          }
          continue;
        }
        if (sub.covered != null) {
          if (sub.covered.covers(at)) {
            continue;
          }
          sub.covered = null; // events come in offset order: none at or before it can follow
        }
        if (message == null) { // prepared once per topic, shared by every subscriber
          message = new LiveMessage(event.type(), event.deleted() ? null : Long.toString(event.pinId()),
              event.message(topic, at));
        }
        LiveConnection c = sub.connection;
        if (c.closed) {
          continue;
        }
        if (c.queued() >= config.maxQueuedMessages()) {
          (slow == null ? slow = new ArrayList<>() : slow).add(c);
          continue;
        }
        c.write(message);
        sent++;
      }
    } finally {
      if (message != null) {
        message.release();
      }
      if (sent > 0) {
        delivered.increment(sent); // once per broadcast, not once per socket
      }
    }
    if (slow != null) {
      slow.forEach(this::closeSlow);
    }
  }

  void closeSlow(LiveConnection c) {
    if (c.closed) {
      return;
    }
    relay.slowConsumers().increment();
    LiveMessage resync = new LiveMessage("resync", null, LiveProtocol.resync(null, "slow_consumer"));
    try {
      c.write(resync); // past the queue bound: the last word before the close
    } finally {
      resync.release();
    }
    c.close(LiveProtocol.SLOW_CONSUMER, "slow consumer, resync");
    remove(c);
  }

  /** Writes a message meant for this connection alone, unless its queue is full: false means a slow consumer. */
  boolean offer(LiveConnection c, String event, String id, String json) {
    if (c.closed) {
      return true;
    }
    if (c.queued() >= config.maxQueuedMessages()) {
      return false;
    }
    LiveMessage message = new LiveMessage(event, id, json);
    try {
      c.write(message);
    } finally {
      message.release();
    }
    if (!c.warmUp) {
      relay.delivered().increment();
    }
    return true;
  }

  void send(LiveConnection c, String event, String id, String json) {
    if (!offer(c, event, id, json)) {
      closeSlow(c);
    }
  }

  private void subscribed(LiveConnection c, String topic) {
    send(c, "subscribed", null, LiveProtocol.subscribed(topic));
  }

  void error(LiveConnection c, String code, String detail, String topic) {
    send(c, "error", null, LiveProtocol.error(code, detail, topic));
  }

  // ---- heartbeats ----

  private long heartbeatMs(LiveConnection c) {
    return (c.answersPings() ? config.pingSeconds() : config.sseHeartbeatSeconds()) * 1000L;
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    long idleMs = config.idleTimeoutSeconds() * 1000L;
    List<LiveConnection> idle = null;
    for (LiveConnection c : connections) {
      if (c.answersPings() && now - c.lastSeen > idleMs) {
        (idle == null ? idle = new ArrayList<>() : idle).add(c);
        continue;
      }
      for (Subscription sub : c.subscriptions) {
        if (sub.replayedInFlight != null && now > sub.replayedInFlightUntil) {
          sub.replayedInFlight = null;
        }
      }
      if (now - c.lastPing >= heartbeatMs(c)) {
        c.lastPing = now;
        c.heartbeat();
      }
    }
    if (idle != null) {
      for (LiveConnection c : idle) {
        c.close(LiveProtocol.IDLE, "idle timeout");
        remove(c);
      }
    }
  }
}
