package io.pinstream.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pinstream.accounts.SessionRevoked;
import io.pinstream.accounts.SessionStore;
import io.pinstream.feed.PinDelivered;
import io.pinstream.feed.PinHydrator;
import io.pinstream.infra.Background;
import io.pinstream.infra.ClusterChannel;
import io.pinstream.infra.LocalEvents;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Carries live events between nodes, one per process. When fan-out has delivered a pin, its encoded
 * JSON (from the pin caches, where its creator put it) is published on the cluster channel; every
 * node, this one included, receives it and its {@link LiveHub}s (one per event loop) send it on. One
 * path serves one node and many, so what the tests see on one node is what a cluster does.
 *
 * <p>Also the node's live metrics, and the other messages hubs act on: follows changed (reload a
 * home subscription's follows) and sessions revoked (close the connections opened with them).
 */
public final class LiveRelay implements Background {
  private static final Logger log = LoggerFactory.getLogger(LiveRelay.class);

  private final LocalEvents events;
  private final PinHydrator pins;
  private final ClusterChannel.Type<LiveEvent> pinEvents;
  private final ClusterChannel.Type<FollowsChanged> follows;
  private final ClusterChannel.Type<SessionRevoked> revocations;
  private final ClusterChannel.Type<LiveWarmUp.Round> warmUpRounds;
  private final AtomicInteger connections = new AtomicInteger();
  private final Counter delivered;
  private final Counter warmUpDelivered;
  private final Counter slowConsumers;
  private final Timer broadcast;
  private final Timer lag;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final java.util.concurrent.ConcurrentHashMap<String, AtomicInteger> byAddress =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final LiveTickets tickets;
  private final TopicHistory history;
  private final LiveWarmUp warmUp = new LiveWarmUp();
  private final String channel;

  public LiveRelay(LocalEvents events, ClusterChannel cluster, PinHydrator pins, SessionStore sessions,
                   MeterRegistry metrics, io.vertx.redis.client.Redis redis, io.pinstream.infra.RedisKeys keys,
                   io.pinstream.infra.RedisScripts scripts, io.pinstream.config.Config.Live config) {
    this.tickets = new LiveTickets(redis, keys);
    this.history = new TopicHistory(scripts, keys, config);
    this.channel = cluster.channel();
    this.events = events;
    this.pins = pins;
    this.pinEvents = cluster.register("pin", LiveEvent.class, LiveEvent::encode, LiveEvent::decode);
    this.follows = cluster.register("follows_changed", FollowsChanged.class, f -> Long.toString(f.userId()),
        text -> new FollowsChanged(Long.parseLong(text)));
    this.revocations = sessions.revocations();
    this.warmUpRounds = cluster.register("warm_up", LiveWarmUp.Round.class, LiveWarmUp.Round::encode,
        LiveWarmUp.Round::decode);
    // Events published while this node's subscription was down never reach it: every hub tells its
    // clients to catch up (with since, from the feeds), so no gap stays silent.
    cluster.onResubscribed(() -> events.publish(new Resubscribed()));
    Gauge.builder("pinstream.live.connections", connections, AtomicInteger::get)
        .description("Open live connections (WebSocket and SSE)").register(metrics);
    Gauge.builder("pinstream.live.warm_up.messages", warmUp, LiveWarmUp::messages)
        .description("Messages the start-up warm-up of the live path received (LiveWarmUp)").register(metrics);
    this.delivered = Counter.builder("pinstream.live.delivered").description("Live messages written to clients")
        .register(metrics);
    // Its own counter, of the same class as the clients' one: the dispatch loop is compiled seeing only that class.
    this.warmUpDelivered = Counter.builder("pinstream.live.warm_up.delivered")
        .description("Messages the start-up warm-up of the live path wrote to its own sockets (LiveWarmUp)")
        .register(metrics);
    this.slowConsumers = Counter.builder("pinstream.live.slow_consumers")
        .description("Live connections closed because they did not read fast enough").register(metrics);
    this.broadcast = Timer.builder("pinstream.live.broadcast")
        .description("Time one event loop takes to write one pin event to all its subscribers").register(metrics);
    this.lag = Timer.builder("pinstream.live.lag")
        .description("From a new pin's id (its creation) to its event reaching an event loop, before the broadcast")
        .register(metrics);
  }

  /** Publishes what fan-out delivers from now on; drops this node's copy of pins deleted on any node. */
  @Override
  public Future<Void> start() {
    consumers.add(events.consumer(PinDelivered.class, this::publish));
    consumers.add(pinEvents.subscribe(event -> {
      if (event.deleted()) {
        pins.forgetLocally(event.pinId());
      }
    }));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  private void publish(PinDelivered delivered) {
    Future<LiveEvent> event = delivered.removed()
        ? Future.succeededFuture(event(delivered, null))
        : pins.hydrateEncoded(List.of(delivered.pinId())).map(found -> found.isEmpty()
            ? null // deleted meanwhile: its removal is announced instead
            : event(delivered, new String(found.get(0), StandardCharsets.UTF_8)));
    // Numbered in its topics' histories and published in one script: nodes receive events in offset order.
    event.compose(e -> e == null ? Future.succeededFuture() : history.publish(channel, pinEvents.name(), e))
        .onFailure(e -> log.warn("live publish of pin {} failed: {}", delivered.pinId(), e.toString()));
  }

  private static LiveEvent event(PinDelivered delivered, String pin) {
    return new LiveEvent(delivered.pinId(), delivered.ownerId(), delivered.ownerUsername(), delivered.boardId(), pin);
  }

  /** This node's cluster subscription was re-made: live events may have been missed meanwhile. */
  record Resubscribed() {
  }

  /** Receives {@link Resubscribed} on the calling hub's event loop. */
  void onResubscribed(Runnable action) {
    events.consumer(Resubscribed.class, r -> action.run());
  }

  /** This node's start-up warm-up of the live path ({@link LiveWarmUp}). */
  public LiveWarmUp warmUp() {
    return warmUp;
  }

  /**
   * Hands a warm-up round to every hub of this node the way a pin's event comes, through Redis (other
   * nodes drop it); over the local event bus when Redis does not take it.
   */
  void warmUp(LiveWarmUp.Round round) {
    warmUpRounds.publish(round).onFailure(e -> events.publish(round));
  }

  /** Receives this node's warm-up rounds on the calling hub's event loop. */
  void onWarmUp(io.vertx.core.Handler<LiveWarmUp.Round> hub) {
    warmUpRounds.subscribe(round -> {
      if (warmUp.ours(round)) {
        hub.handle(round);
      }
    });
  }

  ClusterChannel.Type<LiveEvent> pinEvents() {
    return pinEvents;
  }

  ClusterChannel.Type<FollowsChanged> follows() {
    return follows;
  }

  ClusterChannel.Type<SessionRevoked> revocations() {
    return revocations;
  }

  TopicHistory history() {
    return history;
  }

  PinHydrator pins() {
    return pins;
  }

  LiveTickets tickets() {
    return tickets;
  }

  /** Counts a connection from this address (IPv6: its /64) on this node; false, counting nothing, past {@code max}. */
  boolean openFrom(String address, int max) {
    AtomicInteger open = byAddress.computeIfAbsent(address, a -> new AtomicInteger());
    if (open.incrementAndGet() > max) {
      closedFrom(address);
      return false;
    }
    return true;
  }

  void closedFrom(String address) {
    byAddress.computeIfPresent(address, (a, open) -> open.decrementAndGet() <= 0 ? null : open);
  }

  AtomicInteger connections() {
    return connections;
  }

  Counter delivered() {
    return delivered;
  }

  Counter warmUpDelivered() {
    return warmUpDelivered;
  }

  Counter slowConsumers() {
    return slowConsumers;
  }

  Timer broadcast() {
    return broadcast;
  }

  Timer lag() {
    return lag;
  }
}
