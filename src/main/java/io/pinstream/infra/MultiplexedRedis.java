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
 */
public final class MultiplexedRedis implements Redis {
  private final Redis dialer;
  private final Redis pooled;
  private final Map<Thread, Future<RedisConnection>> byLoop = new ConcurrentHashMap<>();

  /**
   * @param dialer where the per-loop connections come from (each is held, never returned)
   * @param pooled for everything else
   */
  public MultiplexedRedis(Redis dialer, Redis pooled) {
    this.dialer = dialer;
    this.pooled = pooled;
  }

  @Override
  public Future<Response> send(Request request) {
    return on(conn -> conn.send(request), () -> pooled.send(request)).recover(MultiplexedRedis::typed);
  }

  @Override
  public Future<List<Response>> batch(List<Request> requests) {
    return on(conn -> conn.batch(requests), () -> pooled.batch(requests)).recover(MultiplexedRedis::typed);
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

  @Override
  public Future<RedisConnection> connect() {
    return pooled.connect();
  }

  @Override
  public Future<Void> close() {
    List<Future<?>> closing = new ArrayList<>();
    byLoop.values().forEach(conn -> closing.add(conn.compose(RedisConnection::close).otherwiseEmpty()));
    byLoop.clear();
    return Future.join(closing).transform(v -> Future.join(dialer.close(), pooled.close())).mapEmpty();
  }

  private <T> Future<T> on(Function<RedisConnection, Future<T>> command, Supplier<Future<T>> fallback) {
    Context context = Vertx.currentContext();
    if (context == null || !context.isEventLoopContext()) {
      return fallback.get();
    }
    return loopConnection().transform(ar -> ar.failed() || ar.result().pendingQueueFull()
        ? fallback.get()
        : command.apply(ar.result()));
  }

  /** This event loop's connection, dialled on first use (and again after it failed). */
  private Future<RedisConnection> loopConnection() {
    Thread loop = Thread.currentThread();
    Future<RedisConnection> current = byLoop.get(loop);
    if (current != null && !current.failed()) {
      return current;
    }
    Promise<RedisConnection> dialling = Promise.promise();
    Future<RedisConnection> future = dialling.future();
    byLoop.put(loop, future);
    dialer.connect().onComplete(ar -> {
      if (ar.failed()) {
        byLoop.remove(loop, future);
        dialling.fail(ar.cause());
        return;
      }
      RedisConnection conn = ar.result();
      conn.exceptionHandler(e -> forget(loop, future, conn));
      conn.endHandler(v -> forget(loop, future, conn));
      dialling.complete(conn);
    });
    return future;
  }

  private void forget(Thread loop, Future<RedisConnection> future, RedisConnection conn) {
    if (byLoop.remove(loop, future)) {
      conn.close();
    }
  }
}
