package io.pinstream.infra;

import io.pinstream.common.Problems;
import io.pinstream.common.ServiceException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Redis commands multiplexed over one pipelined connection per event loop, the way Lettuce does it.
 * Vert.x's pooled client lends a connection to one command at a time, so under load every command
 * pays its own write, read and wake-up on both sides; here the commands of every request on an
 * event loop share one connection, and Redis reads and answers many of them per system call.
 *
 * <p>Callers off the event loops (workers), callers that need a connection of their own
 * ({@link #connect()}: transactions, blocking commands), and commands that find their loop's
 * queue of unanswered commands full or its connection not dialled go through the pooled client.
 * A connection that fails or closes is forgotten and dialled again by the next command; the
 * commands waiting on it fail, as they would on a pooled one.
 *
 * <p>Every command has a deadline ({@code redis.command_timeout_ms}): a Redis that is frozen (or a
 * network that swallows packets) answers nothing, not even an error. Rather than a timer per command,
 * a watchdog looks at each loop connection a few times per deadline: one that has commands waiting and
 * has answered none of them for the whole deadline (or that is still being dialled) is given up:
 * what waits on it fails (on its event loop), and the next command dials again. Pooled commands get a plain timeout. Every
 * failure that is not a Redis error reply becomes one typed 503.
 */
public final class MultiplexedRedis implements Redis {
  private final Vertx vertx;
  private final Redis dialer;
  private final Redis pooled;
  private final long timeoutMs;
  private final Map<Thread, LoopConnection> byLoop = new ConcurrentHashMap<>();
  private final long watchdog;

  /** One event loop's connection and how it is doing. */
  private static final class LoopConnection {
    final Context loop;
    final Promise<RedisConnection> dialling = Promise.promise();
    final Future<RedisConnection> connection = dialling.future();
    final long dialledAt = System.currentTimeMillis();
    /** The answers its commands' callers wait for; failed by the watchdog when Redis goes silent. */
    final Set<Promise<?>> waiting = ConcurrentHashMap.newKeySet();
    /** When it last answered a command (or, idle before, when it was sent one). */
    volatile long lastAnswer = System.currentTimeMillis();

    LoopConnection(Context loop) {
      this.loop = loop;
    }

    /** Fails whatever waits on this connection, on its event loop (where the callers' answers are written). */
    void giveUp() {
      loop.runOnContext(v -> {
        dialling.tryFail("Redis did not answer the dial in time");
        List.copyOf(waiting).forEach(p -> p.tryFail(new java.util.concurrent.TimeoutException(
            "Redis did not answer in time")));
        waiting.clear();
      });
      // Handed back: the client marks it closed and drops it once Redis (or the network) lets go.
      connection.onSuccess(RedisConnection::close);
    }
  }

  /**
   * @param dialer    where the per-loop connections come from (each is held, never returned)
   * @param pooled    for everything else
   * @param timeoutMs a command's deadline
   */
  public MultiplexedRedis(Vertx vertx, Redis dialer, Redis pooled, long timeoutMs) {
    this.vertx = vertx;
    this.dialer = dialer;
    this.pooled = pooled;
    this.timeoutMs = timeoutMs;
    this.watchdog = vertx.setPeriodic(Math.max(50, timeoutMs / 4), id -> checkDeadlines());
  }

  @Override
  public Future<Response> send(Request request) {
    return on(conn -> conn.send(request), () -> pooled.send(request)).recover(MultiplexedRedis::typed);
  }

  @Override
  public Future<List<Response>> batch(List<Request> requests) {
    return on(conn -> conn.batch(requests), () -> pooled.batch(requests)).recover(MultiplexedRedis::typed);
  }

  @Override
  public Future<RedisConnection> connect() {
    return pooled.connect();
  }

  @Override
  public Future<Void> close() {
    vertx.cancelTimer(watchdog);
    List<Future<?>> closing = new ArrayList<>();
    byLoop.values().forEach(loop -> closing.add(loop.connection.compose(RedisConnection::close).otherwiseEmpty()));
    byLoop.clear();
    return Future.join(closing).transform(v -> Future.join(dialer.close(), pooled.close())).mapEmpty();
  }

  /**
   * An error reply from Redis (a Response, such as NOSCRIPT or WRONGTYPE) stays what it is; any other
   * failure (refused, closed, timed out, no connection to lend: the client reports some of these as
   * bare messages) means Redis is not answering, and becomes one typed 503.
   */
  private static <T> Future<T> typed(Throwable failure) {
    return Future.failedFuture(failure instanceof Response || failure instanceof ServiceException ? failure
        : Problems.unavailable("redis_unavailable", "Redis is not answering; try again shortly", 2));
  }

  private <T> Future<T> on(Function<RedisConnection, Future<T>> command, Supplier<Future<T>> fallback) {
    Context context = Vertx.currentContext();
    if (context == null || !context.isEventLoopContext()) {
      return fallback.get().timeout(timeoutMs, TimeUnit.MILLISECONDS);
    }
    LoopConnection loop = loopConnection(context);
    Promise<T> answer = Promise.promise();
    if (loop.waiting.isEmpty()) {
      loop.lastAnswer = System.currentTimeMillis(); // idle until now: the deadline counts from this command
    }
    loop.waiting.add(answer);
    loop.connection
        .transform(ar -> ar.failed() || ar.result().pendingQueueFull()
            ? fallback.get().timeout(timeoutMs, TimeUnit.MILLISECONDS)
            : command.apply(ar.result()))
        .onComplete(done -> {
          if (loop.waiting.remove(answer)) {
            loop.lastAnswer = System.currentTimeMillis();
            if (done.succeeded()) {
              answer.tryComplete(done.result());
            } else {
              answer.tryFail(done.cause());
            }
          }
        });
    return answer.future();
  }

  /** This event loop's connection, dialled on first use (and again after it failed). */
  private LoopConnection loopConnection(Context context) {
    Thread thread = Thread.currentThread();
    LoopConnection current = byLoop.get(thread);
    if (current != null && !current.connection.failed()) {
      return current;
    }
    LoopConnection loop = new LoopConnection(context);
    byLoop.put(thread, loop);
    dialer.connect().onComplete(ar -> {
      if (ar.failed()) {
        byLoop.remove(thread, loop);
        loop.dialling.tryFail(ar.cause());
        return;
      }
      RedisConnection conn = ar.result();
      if (!loop.dialling.tryComplete(conn)) {
        conn.close(); // the watchdog gave up on this dial meanwhile
        return;
      }
      conn.exceptionHandler(e -> forget(thread, loop));
      conn.endHandler(v -> forget(thread, loop));
    });
    return loop;
  }

  private void forget(Thread thread, LoopConnection loop) {
    if (byLoop.remove(thread, loop)) {
      loop.connection.onSuccess(RedisConnection::close);
    }
  }

  /** Closes loop connections that kept commands waiting past the deadline (their commands fail), and stuck dials. */
  private void checkDeadlines() {
    long now = System.currentTimeMillis();
    byLoop.forEach((thread, loop) -> {
      boolean dialStuck = !loop.connection.isComplete() && now - loop.dialledAt > timeoutMs;
      boolean silent = !loop.waiting.isEmpty() && now - loop.lastAnswer > timeoutMs;
      if ((dialStuck || silent) && byLoop.remove(thread, loop)) {
        loop.giveUp();
      }
    });
  }
}
