package io.pinstream.infra;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PrepareOptions;
import io.vertx.sqlclient.PreparedQuery;
import io.vertx.sqlclient.Query;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collector;

/**
 * A pool whose every statement and transaction has a deadline. The reactive client has none of its
 * own: a PostgreSQL that is frozen (stopped process, lost network, full disk) keeps its TCP
 * connections open and answers nothing, so without this a request would wait for ever. Past the
 * deadline the caller gets a {@link TimeoutException}, which the failure handler answers 503 +
 * Retry-After. The statement itself may still finish later (a write may commit after its request
 * was answered 503): that is what {@code Idempotency-Key} is for. The server's own
 * {@code statement_timeout} ({@link Database#pool}) ends such statements on the server side.
 *
 * <p>The timer runs on the context that issued the statement (Vert.x's {@link Future#timeout}), so
 * the failure is delivered on that event loop, never on a foreign thread.
 */
public final class DeadlinePool implements Pool {
  private final Pool pool;
  private final long deadlineMs;

  public DeadlinePool(Pool pool, long deadlineMs) {
    this.pool = pool;
    this.deadlineMs = deadlineMs;
  }

  public long deadlineMs() {
    return deadlineMs;
  }

  private <T> Future<T> withDeadline(Future<T> future) {
    return future.timeout(deadlineMs, TimeUnit.MILLISECONDS).recover(e -> Future.failedFuture(
        e instanceof TimeoutException && !future.isComplete()
            ? new TimeoutException("PostgreSQL did not answer within " + deadlineMs + " ms")
            : e));
  }

  @Override
  public Future<SqlConnection> getConnection() {
    // A held connection's own statements have no deadline here: callers use withConnection or
    // withTransaction, whose whole run has one. A connection that comes after its deadline went to
    // nobody: it goes back to the pool.
    Future<SqlConnection> acquired = pool.getConnection();
    return withDeadline(acquired).onFailure(late -> acquired.onSuccess(SqlConnection::close));
  }

  @Override
  public Query<RowSet<Row>> query(String sql) {
    return new DeadlineQuery<>(pool.query(sql));
  }

  @Override
  public PreparedQuery<RowSet<Row>> preparedQuery(String sql) {
    return new DeadlinePreparedQuery<>(pool.preparedQuery(sql));
  }

  @Override
  public PreparedQuery<RowSet<Row>> preparedQuery(String sql, PrepareOptions options) {
    return new DeadlinePreparedQuery<>(pool.preparedQuery(sql, options));
  }

  @Override
  public <T> Future<T> withTransaction(Function<SqlConnection, Future<T>> function) {
    return withDeadline(pool.withTransaction(function));
  }

  @Override
  public <T> Future<T> withConnection(Function<SqlConnection, Future<T>> function) {
    return withDeadline(pool.withConnection(function));
  }

  @Override
  public int size() {
    return pool.size();
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }

  private class DeadlineQuery<T> implements Query<T> {
    private final Query<T> query;

    DeadlineQuery(Query<T> query) {
      this.query = query;
    }

    @Override
    public Future<T> execute() {
      return withDeadline(query.execute());
    }

    @Override
    public <R> Query<SqlResult<R>> collecting(Collector<Row, ?, R> collector) {
      return new DeadlineQuery<>(query.collecting(collector));
    }

    @Override
    public <U> Query<RowSet<U>> mapping(Function<Row, U> mapper) {
      return new DeadlineQuery<>(query.mapping(mapper));
    }
  }

  private final class DeadlinePreparedQuery<T> extends DeadlineQuery<T> implements PreparedQuery<T> {
    private final PreparedQuery<T> query;

    DeadlinePreparedQuery(PreparedQuery<T> query) {
      super(query);
      this.query = query;
    }

    @Override
    public Future<T> execute(Tuple tuple) {
      return withDeadline(query.execute(tuple));
    }

    @Override
    public Future<T> executeBatch(List<Tuple> batch) {
      return withDeadline(query.executeBatch(batch));
    }

    @Override
    public <R> PreparedQuery<SqlResult<R>> collecting(Collector<Row, ?, R> collector) {
      return new DeadlinePreparedQuery<>(query.collecting(collector));
    }

    @Override
    public <U> PreparedQuery<RowSet<U>> mapping(Function<Row, U> mapper) {
      return new DeadlinePreparedQuery<>(query.mapping(mapper));
    }
  }
}
