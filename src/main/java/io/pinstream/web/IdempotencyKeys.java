package io.pinstream.web;

import io.pinstream.common.BearerTokens;
import io.pinstream.common.Problems;
import io.pinstream.infra.Background;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;

/**
 * {@code Idempotency-Key} on creating POSTs: the same key with the same request within 24 hours gets
 * the first answer again ({@code Idempotent-Replayed: true}) instead of creating a second object; the
 * same key with another request is 422 {@code idempotency_key_reused}; while the first request still
 * runs, 409 {@code idempotency_key_in_use}. Answers below 500 are kept; a 5xx is not (the key is
 * released, so the retry that a 503's Retry-After asks for can succeed). Keys belong to the caller's
 * credentials (or address, when anonymous) and live in PostgreSQL, so a retry on any node finds them.
 *
 * <p>Route it before the feature's handler. JSON routes hash their body (read by the body handler);
 * streamed uploads ({@link #forStreamedBody()}) hash only the path: an upload is content-addressed,
 * so the same key answering the first upload's media is right.
 */
public final class IdempotencyKeys implements Background {
  public static final String HEADER = "Idempotency-Key";
  private static final Logger log = LoggerFactory.getLogger(IdempotencyKeys.class);
  private static final String RECORD = "idempotency.record";
  /** Set when the request went on to its handler (which then reads or refuses its own body). */
  private static final String PASSED_ON = "idempotency.passed_on";
  private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
  /** A first request that has not answered in this long is taken to have died with its node. */
  private static final int ABANDONED_SECONDS = 60;
  private final Vertx vertx;
  private final Pool pool;
  private final boolean trustForwardedFor;
  private long sweeper = -1;

  public IdempotencyKeys(Vertx vertx, Pool pool, boolean trustForwardedFor) {
    this.vertx = vertx;
    this.pool = pool;
    this.trustForwardedFor = trustForwardedFor;
  }

  /** Whose key it is, and the key. */
  private record Record(Buffer scope, String key) {
  }

  /** A request holding a key: where its answer is kept. */
  private record Held(IdempotencyKeys keys, Record record, Buffer requestHash) {
  }

  /** For routes whose JSON body the body handler has read. */
  public Handler<RoutingContext> forJson() {
    return ctx -> handle(ctx, ctx.body() == null ? null : ctx.body().buffer());
  }

  /** For a streamed upload: paused while the key is looked up, so no byte of the body is lost. */
  public Handler<RoutingContext> forStreamedBody() {
    return ctx -> {
      if (ctx.request().getHeader(HEADER) != null) {
        ctx.request().pause();
        // Answered here (a replay, a refusal) rather than by the upload: the body still on its way is
        // read and dropped, so the client can finish sending and read the answer.
        ctx.addHeadersEndHandler(v -> {
          if (ctx.get(PASSED_ON) == null && !ctx.request().isEnded()) {
            ctx.request().handler(dropped -> {
            }).resume();
          }
        });
      }
      handle(ctx, null);
    };
  }

  private void handle(RoutingContext ctx, Buffer body) {
    String key = ctx.request().getHeader(HEADER);
    if (key == null) {
      ctx.put(PASSED_ON, true);
      ctx.next();
      return;
    }
    if (!KEY.matcher(key).matches()) {
      ctx.fail(Problems.badRequest("invalid_idempotency_key", "Idempotency-Key is 1 to 255 visible ASCII characters"));
      return;
    }
    Record record = new Record(scope(ctx), key);
    Buffer requestHash = sha256(Buffer.buffer(ctx.request().method().name()).appendString(" ")
        .appendString(ctx.request().path()).appendString("\n").appendBuffer(body == null ? Buffer.buffer() : body));
    pool.preparedQuery("""
            INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
            ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = NULL,
                   location = NULL, body = NULL, created_at = now()
             WHERE idempotency_keys.created_at < now() - interval '24 hours'
                OR (idempotency_keys.status IS NULL AND idempotency_keys.request_hash = EXCLUDED.request_hash
                    AND idempotency_keys.created_at < now() - make_interval(secs => $4))
            RETURNING 1""")
        .execute(Tuple.of(record.scope(), key, requestHash, ABANDONED_SECONDS))
        .compose(claimed -> {
          if (claimed.size() == 1) {
            ctx.put(RECORD, new Held(this, record, requestHash));
            ctx.put(PASSED_ON, true);
            ctx.addEndHandler(ended -> {
              if (ctx.get(RECORD) != null) { // ended without an answer kept: a reset, a lost connection
                releaseUnanswered(record);
              }
            });
            ctx.next();
            return Future.succeededFuture();
          }
          return pool.preparedQuery("SELECT request_hash, status, location, body FROM idempotency_keys "
                  + "WHERE scope = $1 AND key = $2")
              .execute(Tuple.of(record.scope(), key))
              .map(rows -> {
                Row row = rows.iterator().next();
                if (!row.getBuffer("request_hash").equals(requestHash)) {
                  throw Problems.unprocessable("idempotency_key_reused",
                      "This Idempotency-Key was used for a different request");
                }
                Integer status = row.getInteger("status");
                if (status == null) {
                  throw Problems.conflict("idempotency_key_in_use",
                      "The first request with this Idempotency-Key is still being answered; retry shortly");
                }
                replay(ctx, status, row.getString("location"), row.getBuffer("body"));
                return null;
              });
        })
        .onFailure(ctx::fail);
  }

  /**
   * For a request holding a key, a hash of its caller, key and body, which the object it creates
   * stores: if an earlier attempt committed after its answer was lost (a 503 past a deadline, a
   * dropped connection), the key was released, and this retry finds that object instead of making a
   * second one. Null for a request without a key.
   */
  public static Buffer creationKey(RoutingContext ctx) {
    Held held = ctx.get(RECORD);
    return held == null ? null : sha256(held.record().scope().copy().appendString("\n")
        .appendString(held.record().key()).appendString("\n").appendBuffer(held.requestHash()));
  }

  private static void replay(RoutingContext ctx, int status, String location, Buffer body) {
    if (location != null) {
      ctx.response().putHeader("Location", location);
    }
    boolean problem = status >= 400;
    ctx.response().setStatusCode(status)
        .putHeader("Idempotent-Replayed", "true")
        .putHeader("Cache-Control", "no-store");
    if (body == null || body.length() == 0) {
      ctx.response().end();
    } else {
      ctx.response().putHeader("Content-Type", problem ? "application/problem+json; charset=utf-8"
          : "application/json; charset=utf-8").end(body);
    }
  }

  /**
   * The answer about to be sent: kept for the key the request holds (nothing happens without one);
   * a 5xx releases the key instead. Called by {@link Responses} and {@link FailureHandler}, which send
   * the answer once this completes: a client that retries the moment it has an answer finds it kept,
   * not "still being answered". (Never fails: an answer that could not be kept is sent all the same.)
   */
  static Future<Void> answered(RoutingContext ctx, int status, Buffer body) {
    Held held = ctx.get(RECORD);
    if (held == null) {
      return Future.succeededFuture();
    }
    ctx.remove(RECORD);
    return held.keys().keep(held.record(), ctx, status, body);
  }

  private Future<Void> keep(Record record, RoutingContext ctx, int status, Buffer body) {
    if (status >= 500) {
      // Released in the background: the retry a 503 asks for comes after its Retry-After.
      pool.preparedQuery("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL")
          .execute(Tuple.of(record.scope(), record.key()))
          .onFailure(e -> log.warn("could not release an Idempotency-Key after a {}: {}", status, e.toString()));
      return Future.succeededFuture();
    }
    return pool.preparedQuery("UPDATE idempotency_keys SET status = $3, location = $4, body = $5 "
            + "WHERE scope = $1 AND key = $2")
        .execute(Tuple.of(record.scope(), record.key(), status, ctx.response().headers().get("Location"), body))
        .<Void>mapEmpty()
        .recover(e -> {
          log.warn("could not keep the answer for an Idempotency-Key: {}", e.toString());
          return Future.succeededFuture();
        });
  }

  /** A request that ended without an answer kept: the key is let go, so a retry can run. */
  private void releaseUnanswered(Record record) {
    pool.preparedQuery("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL")
        .execute(Tuple.of(record.scope(), record.key()));
  }

  private Buffer scope(RoutingContext ctx) {
    String authorization = ctx.request().getHeader("Authorization");
    String cookie = SessionCookie.read(ctx.request());
    return sha256(Buffer.buffer(authorization != null ? "auth " + authorization
        : cookie != null ? "cookie " + cookie
        : "address " + ClientIp.limitKey(ctx, trustForwardedFor)));
  }

  private static Buffer sha256(Buffer bytes) {
    try {
      return Buffer.buffer(MessageDigest.getInstance("SHA-256").digest(bytes.getBytes()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Forgets keys older than a day, every hour. */
  @Override
  public Future<Void> start() {
    sweeper = vertx.setPeriodic(3_600_000, id -> pool
        .preparedQuery("DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'")
        .execute()
        .onFailure(e -> log.warn("forgetting old idempotency keys failed: {}", e.toString())));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(sweeper);
    return Future.succeededFuture();
  }
}
