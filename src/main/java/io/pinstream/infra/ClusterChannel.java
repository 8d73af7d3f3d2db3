package io.pinstream.infra;

import io.pinstream.config.Config;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The one way nodes tell each other things: one Redis pub/sub channel. Features register their
 * message types ({@link #register}); a message published on any node reaches every node, this one
 * included, and is handed to local receivers as a typed value over {@link LocalEvents}, so each
 * receiver runs on its own event loop.
 *
 * <p>One SUBSCRIBE connection per process. It reconnects with a backoff when it closes or fails,
 * and a keepalive notices a connection that died silently (nothing heard for three intervals).
 * Messages published while no subscription existed are missed: {@link #onResubscribed} tells
 * features when that may have happened, so they can drop what they cache or tell their clients.
 */
public final class ClusterChannel implements Background {
  private static final Logger log = LoggerFactory.getLogger(ClusterChannel.class);
  private static final long MAX_BACKOFF_MS = 1000;

  private final Vertx vertx;
  private final Redis commands;
  private final LocalEvents events;
  private final Config.Redis config;
  private final String channel;
  private final long keepaliveMs;
  private final Map<String, Type<?>> types = new ConcurrentHashMap<>();
  private final List<Runnable> resubscribed = new CopyOnWriteArrayList<>();
  private Redis subscriberClient;
  private volatile RedisConnection subscriber;
  private volatile long lastHeard;
  private boolean stopped;
  private boolean everSubscribed;
  private long reconnectTimer = -1;
  private long keepalive = -1;
  private long backoffMs = 50;

  /** One kind of message: its name on the wire and how its body is written and read. */
  public final class Type<T> {
    private final String name;
    private final Class<T> javaType;
    private final Function<T, String> encode;
    private final Function<String, T> decode;

    private Type(String name, Class<T> javaType, Function<T, String> encode, Function<String, T> decode) {
      this.name = name;
      this.javaType = javaType;
      this.encode = encode;
      this.decode = decode;
    }

    /** Sends the message to every node (this one included); fails when Redis does not take it in time. */
    public Future<Void> publish(T message) {
      String payload = name + ' ' + encode.apply(message);
      return commands.send(Request.cmd(Command.PUBLISH).arg(channel).arg(payload))
          .timeout(5, TimeUnit.SECONDS)
          .mapEmpty();
    }

    /** The type's name on the wire: a message is the channel's payload {@code <name> <body>}. */
    public String name() {
      return name;
    }

    /** Receives this type's messages from every node, on the calling context. */
    public MessageConsumer<T> subscribe(Handler<T> handler) {
      return events.consumer(javaType, handler);
    }

    private void deliver(String body) {
      events.publish(decode.apply(body));
    }
  }

  public ClusterChannel(Vertx vertx, Redis commands, LocalEvents events, Config.Redis config, RedisKeys keys,
                        long keepaliveMs) {
    this.vertx = vertx;
    this.commands = commands;
    this.events = events;
    this.config = config;
    this.channel = keys.key("cluster");
    this.keepaliveMs = keepaliveMs;
  }

  /**
   * Registers a message type. {@code encode} must not produce a line break before the body's own
   * content starts (the name and the body are separated by one space).
   */
  public <T> Type<T> register(String name, Class<T> javaType, Function<T, String> encode, Function<String, T> decode) {
    if (name.indexOf(' ') >= 0) {
      throw new IllegalArgumentException("a message type's name has no spaces: " + name);
    }
    Type<T> type = new Type<>(name, javaType, encode, decode);
    if (types.putIfAbsent(name, type) != null) {
      throw new IllegalStateException("message type " + name + " is registered twice");
    }
    return type;
  }

  /**
   * The Redis channel every message goes through, for a feature that must PUBLISH from a script (to
   * publish atomically with what it writes); its payload is {@code <type name> <body>}.
   */
  public String channel() {
    return channel;
  }

  /** Runs after every re-subscription (not the first): messages may have been missed meanwhile. */
  public void onResubscribed(Runnable action) {
    resubscribed.add(action);
  }

  /** Completes once Redis confirmed the subscription: no message published after that is missed. */
  @Override
  public Future<Void> start() {
    keepalive = vertx.setPeriodic(keepaliveMs, id -> checkAlive());
    return subscribe();
  }

  @Override
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(keepalive);
    if (reconnectTimer >= 0) {
      vertx.cancelTimer(reconnectTimer);
    }
    return subscriberClient == null ? Future.succeededFuture() : subscriberClient.close();
  }

  /** Whether the subscription is up (for readiness and tests). */
  public boolean subscribed() {
    return subscriber != null;
  }

  private Future<Void> subscribe() {
    subscriberClient = Redis.createClient(vertx, new RedisOptions().setConnectionString(config.uri()));
    return subscriberClient.connect().compose(conn -> {
      subscriber = conn;
      lastHeard = System.currentTimeMillis();
      conn.handler(reply -> onReply(conn, reply));
      conn.exceptionHandler(e -> lost(conn, "failed: " + e));
      conn.endHandler(v -> lost(conn, "closed"));
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).onFailure(e -> {
        if (subscriber == conn) {
          subscriber = null; // the caller reconnects; this connection's close must not do it again
          conn.close();
        }
      });
    }).map(ok -> {
      backoffMs = 50;
      if (everSubscribed) {
        resubscribed.forEach(Runnable::run);
      }
      everSubscribed = true;
      return (Void) null;
    });
  }

  /**
   * Everything the subscriber connection receives: channel messages, and also the replies to its
   * own keepalive PINGs (with RESP3 a {@code PONG} arrives here as a simple string), which only say
   * the connection is alive.
   */
  private void onReply(RedisConnection conn, Response reply) {
    if (conn == subscriber) {
      receive(reply);
    }
  }

  /** What the current subscriber connection received (package-private for tests). */
  void receive(Response reply) {
    lastHeard = System.currentTimeMillis();
    ResponseType kind = reply.type();
    if ((kind != ResponseType.PUSH && kind != ResponseType.MULTI) || reply.size() != 3
        || !"message".equals(reply.get(0).toString())) {
      return;
    }
    String payload = reply.get(2).toString();
    int space = payload.indexOf(' ');
    Type<?> type = space < 0 ? null : types.get(payload.substring(0, space));
    if (type == null) {
      log.warn("cluster message of an unknown type ignored: {}", payload.substring(0, Math.min(40, payload.length())));
      return;
    }
    try {
      type.deliver(payload.substring(space + 1));
    } catch (RuntimeException e) {
      log.warn("cluster message {} could not be read: {}", type.name, e.toString());
    }
  }

  private void checkAlive() {
    RedisConnection conn = subscriber;
    if (conn == null) {
      return;
    }
    if (System.currentTimeMillis() - lastHeard > 3 * keepaliveMs) {
      lost(conn, "was silent for " + 3 * keepaliveMs + " ms");
      return;
    }
    // Its reply (routed to onReply or to this future, depending on the protocol) keeps lastHeard fresh.
    conn.send(Request.cmd(Command.PING)).onSuccess(pong -> lastHeard = System.currentTimeMillis());
  }

  private void lost(RedisConnection conn, String why) {
    if (conn == subscriber) {
      subscriber = null;
      conn.close();
      reconnect(why);
    }
  }

  private void reconnect(String why) {
    if (stopped || reconnectTimer >= 0) {
      return;
    }
    log.warn("cluster channel subscription {}; reconnecting in {} ms", why, backoffMs);
    subscriberClient.close();
    reconnectTimer = vertx.setTimer(backoffMs, id -> {
      reconnectTimer = -1;
      if (stopped) {
        return;
      }
      subscribe().onFailure(e -> {
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        reconnect("could not be made again: " + e.getMessage());
      });
    });
  }
}
