package io.pinstream.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pinstream.accounts.SessionCache;
import io.pinstream.config.Config;
import io.pinstream.feed.FanOut;
import io.pinstream.feed.PinHydrator;
import io.pinstream.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Carries live events between nodes, one per process. Where fan-out finished a pin, the pin is
 * hydrated once and PUBLISHed on one Redis channel; every node, this one included, receives it on
 * its own SUBSCRIBE connection and hands it to its {@link LiveHub}s over the local event bus. One
 * path serves one node and many, so what the tests see on one node is what a cluster does.
 *
 * <p>While the subscriber connection is down (Redis restarting) events are missed; it reconnects
 * with a backoff, and clients that reconnect with {@code since} catch up from their feeds.
 */
public final class LiveRelay {
  /** Local event bus address the hubs listen on: the raw JSON text of one message from Redis. */
  static final String ADDRESS = "pinstream.live.event";
  static final String FOLLOWS = "follows";
  static final String SESSION_REVOKED = "session_revoked";
  private static final Logger log = LoggerFactory.getLogger(LiveRelay.class);

  private final Vertx vertx;
  private final Config.Redis redisConfig;
  private final Redis redis;
  private final Pool pool;
  private final PinHydrator pins;
  private final SessionCache sessions;
  private final String channel;
  private final AtomicInteger connections = new AtomicInteger();
  private final Counter delivered;
  private final Counter slowConsumers;
  private final Timer broadcast;
  private final Timer lag;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Redis subscriberClient;
  private volatile RedisConnection subscriber;
  private boolean stopped;
  /** The pending reconnect, if any: one at a time, however many ways the connection reports its loss. */
  private long reconnectTimer = -1;
  private long backoffMs = 100;
  private long keepalive = -1;
  private static final long KEEPALIVE_MS = 15_000;

  public LiveRelay(Vertx vertx, Config.Redis redisConfig, Redis redis, RedisKeys keys, Pool pool, PinHydrator pins,
                   SessionCache sessions, MeterRegistry metrics) {
    this.vertx = vertx;
    this.sessions = sessions;
    this.redisConfig = redisConfig;
    this.redis = redis;
    this.pool = pool;
    this.pins = pins;
    this.channel = keys.key("live");
    Gauge.builder("pinstream.live.connections", connections, AtomicInteger::get)
        .description("Open live connections (WebSocket and SSE)").register(metrics);
    this.delivered = Counter.builder("pinstream.live.delivered").description("Live messages written to clients")
        .register(metrics);
    this.slowConsumers = Counter.builder("pinstream.live.slow_consumers")
        .description("Live connections closed because they did not read fast enough").register(metrics);
    this.broadcast = Timer.builder("pinstream.live.broadcast")
        .description("Time one event loop takes to write one pin event to all its subscribers").register(metrics);
    this.lag = Timer.builder("pinstream.live.lag")
        .description("From a new pin's id (its creation) to its event reaching an event loop, before the broadcast")
        .register(metrics);
  }

  /** Subscribes (completes once Redis confirmed it) and starts publishing what fan-out delivers. */
  public Future<Void> start() {
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(FanOut.PIN_ADDED,
        m -> publishPin(Long.parseLong(m.body().getString("pin_id")), false)));
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(FanOut.PIN_REMOVED,
        m -> publishPin(Long.parseLong(m.body().getString("pin_id")), true)));
    // A subscriber connection can die without a close ever reaching us (a NAT or firewall dropping
    // it): a PING that gets no answer says so, and the connection is replaced.
    keepalive = vertx.setPeriodic(KEEPALIVE_MS, id -> {
      RedisConnection conn = subscriber;
      if (conn != null) {
        conn.send(Request.cmd(Command.PING)).timeout(5, java.util.concurrent.TimeUnit.SECONDS)
            .onFailure(e -> lost(conn, "did not answer a ping"));
      }
    });
    return subscribe();
  }

  public Future<Void> stop() {
    stopped = true;
    if (keepalive >= 0) {
      vertx.cancelTimer(keepalive);
    }
    if (reconnectTimer >= 0) {
      vertx.cancelTimer(reconnectTimer);
    }
    consumers.forEach(MessageConsumer::unregister);
    if (subscriberClient != null) {
      subscriberClient.close();
    }
    return Future.succeededFuture();
  }

  private Future<Void> subscribe() {
    subscriberClient = Redis.createClient(vertx, new RedisOptions().setConnectionString(redisConfig.uri()));
    return subscriberClient.connect().compose(conn -> {
      subscriber = conn;
      conn.handler(this::onRedisMessage);
      conn.exceptionHandler(e -> lost(conn, "failed: " + e));
      conn.endHandler(v -> lost(conn, "closed"));
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).onFailure(e -> {
        if (subscriber == conn) {
          subscriber = null; // the caller reconnects; this connection's close must not do it again
        }
      });
    }).map(ok -> {
      // Revocations published while no subscription existed were missed: forget every cached session.
      sessions.forgetAll();
      backoffMs = 100;
      return (Void) null;
    });
  }

  private void lost(RedisConnection conn, String why) {
    if (conn == subscriber) {
      subscriber = null;
      reconnect(why);
    }
  }

  private void reconnect(String why) {
    if (stopped || reconnectTimer >= 0) {
      return;
    }
    log.warn("live subscription to Redis {}; reconnecting in {} ms", why, backoffMs);
    subscriber = null;
    subscriberClient.close();
    reconnectTimer = vertx.setTimer(backoffMs, id -> {
      reconnectTimer = -1;
      if (stopped) {
        return;
      }
      subscribe().onFailure(e -> {
        backoffMs = Math.min(backoffMs * 2, 5000);
        reconnect("unreachable: " + e.getMessage());
      });
    });
  }

  private void onRedisMessage(Response message) {
    // ["message", channel, payload] as a RESP2 array or a RESP3 push
    if (message.size() == 3 && "message".equals(message.get(0).toString())) {
      String payload = message.get(2).toString();
      dropStaleCopies(payload);
      vertx.eventBus().publish(ADDRESS, payload);
    }
  }

  /** What this node holds in memory and the message makes stale: a revoked session, a deleted pin. */
  private void dropStaleCopies(String payload) {
    // Only the envelope can hold these unescaped: inside a JSON string the quotes would be escaped.
    if (payload.contains("\"type\":\"" + SESSION_REVOKED + "\"")) {
      sessions.forget(new JsonObject(payload).getString("session"));
    } else if (payload.contains("\"type\":\"" + LiveEvent.PIN_DELETED + "\"")) {
      pins.forgetLocally(Long.parseLong(new JsonObject(payload).getString("pin_id")));
    }
  }

  private void publishPin(long pinId, boolean deleted) {
    Future<LiveEvent> event = deleted ? deletedEvent(pinId) : addedEvent(pinId);
    event.compose(e -> e == null ? Future.succeededFuture() : publish(e.toJson()))
        .onFailure(e -> log.warn("live publish of pin {} failed: {}", pinId, e.toString()));
  }

  private Future<LiveEvent> addedEvent(long pinId) {
    return pins.hydrate(List.of(pinId)).map(found -> {
      if (found.isEmpty()) {
        return null; // deleted meanwhile: its removal is announced instead
      }
      JsonObject pin = found.get(0);
      JsonObject owner = pin.getJsonObject("owner");
      return new LiveEvent(LiveEvent.PIN, pinId, Long.parseLong(owner.getString("id")), owner.getString("username"),
          Long.parseLong(pin.getString("board_id")), pin);
    });
  }

  private Future<LiveEvent> deletedEvent(long pinId) {
    return pool.preparedQuery("""
            SELECT p.owner_id, u.username, p.board_id FROM pins p JOIN users u ON u.id = p.owner_id WHERE p.id = $1""")
        .execute(Tuple.of(pinId))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          return new LiveEvent(LiveEvent.PIN_DELETED, pinId, r.getLong(0), r.getString(1), r.getLong(2), null);
        });
  }

  /** Every node forgets the session and closes the live connections opened with it. */
  public Future<Void> sessionRevoked(String fingerprint) {
    return publish(new JsonObject().put("type", SESSION_REVOKED).put("session", fingerprint));
  }

  /** Home subscriptions of this user, on every node, reload whom they follow. */
  public Future<Void> followsChanged(long userId) {
    return publish(new JsonObject().put("type", FOLLOWS).put("user_id", Long.toString(userId)));
  }

  private Future<Void> publish(JsonObject message) {
    return redis.send(Request.cmd(Command.PUBLISH).arg(channel).arg(message.encode()))
        .timeout(5, TimeUnit.SECONDS)
        .mapEmpty();
  }

  AtomicInteger connections() {
    return connections;
  }

  Counter delivered() {
    return delivered;
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
