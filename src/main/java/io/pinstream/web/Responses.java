package io.pinstream.web;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Ends a request with JSON or nothing; failures go to the failure handler. */
public final class Responses {
  private Responses() {
  }

  public static void json(RoutingContext ctx, int status, JsonObject body) {
    json(ctx, status, body.toBuffer());
  }

  /** JSON already encoded. */
  public static void json(RoutingContext ctx, int status, Buffer body) {
    IdempotencyKeys.answered(ctx, status, body).onComplete(kept -> ctx.response().setStatusCode(status)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(body));
  }

  public static void noContent(RoutingContext ctx) {
    ctx.response().setStatusCode(204).end();
  }

  /** Runs the handler's future and answers with its JSON at {@code status}. */
  public static void reply(RoutingContext ctx, int status, Future<JsonObject> result) {
    result.onSuccess(body -> json(ctx, status, body)).onFailure(ctx::fail);
  }

  public static void replyEmpty(RoutingContext ctx, Future<?> result) {
    result.onSuccess(v -> noContent(ctx)).onFailure(ctx::fail);
  }
}
