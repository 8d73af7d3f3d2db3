package io.pinstream.web;

import io.pinstream.common.ServiceException;
import io.pinstream.common.Problems;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;

import io.netty.channel.unix.Errors;

import java.net.ConnectException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * The one place that turns failures into RFC 9457 {@code application/problem+json}. Typed
 * {@link ServiceException}s keep their status and code; a backing service that does not answer becomes
 * 503 with Retry-After; anything else is a bug: logged with the request id, answered 500 without
 * internals.
 */
public final class FailureHandler implements Handler<RoutingContext> {
  private static final Logger log = LoggerFactory.getLogger(FailureHandler.class);

  @Override
  public void handle(RoutingContext ctx) {
    ServiceException problem = toProblem(ctx);
    HttpServerResponse response = ctx.response();
    if (response.headWritten()) {
      // Part of a body is already on the wire: the only honest signal left is to cut the stream.
      response.reset();
      return;
    }
    if (problem.status() == 500) {
      log.error("{} {} failed [request {}]", ctx.request().method(), ctx.request().path(), RequestIds.of(ctx),
          ctx.failure());
    }
    if (problem.retryAfterSeconds() != null) {
      response.putHeader("Retry-After", String.valueOf(problem.retryAfterSeconds()));
    }
    Buffer body = problem.toProblem(ctx.request().path()).toBuffer();
    // A 429 is about the caller's pace, not this request: a retry must be tried again, not replayed.
    IdempotencyKeys.answered(ctx, problem.status() == 429 ? 503 : problem.status(), body)
        .onComplete(kept -> response.setStatusCode(problem.status())
            .putHeader("Content-Type", "application/problem+json; charset=utf-8")
            .putHeader("Cache-Control", "no-store")
            .end(body));
  }

  static ServiceException toProblem(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ServiceException api) {
      return api;
    }
    if (failure != null && isUnavailable(failure)) {
      return Problems.unavailable("service_unavailable", "A backing service is not answering; try again shortly", 5);
    }
    int status = ctx.statusCode();
    if (failure instanceof HttpException http) {
      status = http.getStatusCode();
    }
    return switch (status) {
      case 400 -> Problems.badRequest("bad_request", "The request could not be read");
      case 401 -> Problems.unauthorized("Authentication is required");
      case 403 -> Problems.forbidden("forbidden", "Not allowed");
      case 404 -> Problems.notFound("not_found", "No such resource: " + ctx.request().path());
      case 405 -> new ServiceException(405, "method_not_allowed", "Method Not Allowed",
          ctx.request().method() + " is not allowed on " + ctx.request().path());
      case 413 -> Problems.tooLarge("body_too_large", "The request body is larger than this endpoint accepts");
      case 415 -> Problems.unsupportedMediaType("This endpoint does not accept that content type");
      default -> new ServiceException(500, "internal_error", "Internal Server Error",
          "Something went wrong on our side; quote the request id when reporting it");
    };
  }

  /** The status a failure outside any RoutingContext answers with (a refused WebSocket handshake). */
  public static int statusOf(Throwable failure) {
    if (failure instanceof ServiceException api) {
      return api.status();
    }
    return isUnavailable(failure) ? 503 : 500;
  }

  /**
   * The service behind us is down, restarting or overloaded, by the failure's type (never by its
   * message): a connection refused, reset, closed or timed out, a pool with no connection to lend, a timeout
   * (Vert.x's Future.timeout), or PostgreSQL saying it cannot serve (SQLSTATE class 08, connection;
   * 57P01-57P03, shutting down or starting up; 53300, too many connections). Redis failures arrive
   * already typed (infra.MultiplexedRedis).
   */
  static boolean isUnavailable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof TimeoutException || t instanceof ClosedChannelException
          || t instanceof SocketException || t instanceof Errors.NativeIoException // a connection reset by the peer
          || t instanceof ClosedConnectionException || t instanceof ConnectionPoolTooBusyException
          || t instanceof DatabaseException db && isUnavailable(db.getSqlState())) {
        return true;
      }
    }
    return false;
  }

  private static final Set<String> POSTGRES_NOT_SERVING = Set.of("57P01", "57P02", "57P03", "53300");

  static boolean isUnavailable(String sqlState) {
    return sqlState != null && (sqlState.startsWith("08") || POSTGRES_NOT_SERVING.contains(sqlState));
  }
}
