package io.pinstream.ops;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * {@code /health} (the process runs) and {@code /ready} (PostgreSQL and Redis answer, and the start-up
 * warm-up of the live path is over), on the public port and the management port; {@code /metrics} only
 * on the management port ({@link #mountManagement}), which listens on loopback unless the operator says
 * otherwise.
 */
public final class OpsApi {
  private static final long CHECK_TIMEOUT_MS = 2000;
  private final Vertx vertx;
  private final Pool pg;
  private final RedisAPI redis;
  private final PrometheusMeterRegistry metrics;
  /** True while the node runs its live path once before taking traffic (io.pinstream.live.LiveWarmUp). */
  private final BooleanSupplier warmingUp;

  public OpsApi(Vertx vertx, Pool pg, RedisAPI redis, PrometheusMeterRegistry metrics, BooleanSupplier warmingUp) {
    this.warmingUp = warmingUp;
    this.vertx = vertx;
    this.pg = pg;
    this.redis = redis;
    this.metrics = metrics;
  }

  public void mount(Router root) {
    root.get("/health").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("status", "up").encode()));
    root.get("/ready").handler(this::ready);
  }

  /** The management port's routes: the probes and {@code /metrics}. */
  public void mountManagement(Router router) {
    mount(router);
    router.get("/metrics").handler(this::metrics);
  }

  private void ready(RoutingContext ctx) {
    Future<Boolean> postgres = check(pg.query("SELECT 1").execute());
    Future<Boolean> cache = check(redis.ping(List.of()));
    Future.join(postgres, cache).onComplete(done -> {
      boolean warming = warmingUp.getAsBoolean();
      boolean up = postgres.result() && cache.result() && !warming;
      JsonObject checks = new JsonObject()
          .put("postgres", postgres.result() ? "up" : "down")
          .put("redis", cache.result() ? "up" : "down");
      if (warming) {
        checks.put("warm_up", "running");
      }
      JsonObject body = new JsonObject()
          .put("status", up ? "ready" : "unavailable")
          .put("checks", checks);
      if (!up) {
        ctx.response().putHeader("Retry-After", "5");
      }
      ctx.response().setStatusCode(up ? 200 : 503)
          .putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
          .end(body.encode());
    });
  }

  /**
   * Succeeds with whether the probe answered in time; never fails. The deadline is a timer of the
   * request's own event loop, and the answer is completed there, whatever thread the probe ends on:
   * the readiness answer must be written on its loop (strict thread mode), within its deadline.
   */
  private Future<Boolean> check(Future<?> probe) {
    Context context = vertx.getOrCreateContext();
    Promise<Boolean> answer = Promise.promise();
    long deadline = vertx.setTimer(CHECK_TIMEOUT_MS, id -> answer.tryComplete(false));
    probe.onComplete(done -> context.runOnContext(v -> {
      vertx.cancelTimer(deadline);
      answer.tryComplete(done.succeeded());
    }));
    return answer.future();
  }

  private void metrics(RoutingContext ctx) {
    // Scraping walks every meter: cheap at our meter count, but kept off the event loop all the same.
    vertx.executeBlocking(metrics::scrape, false)
        .onSuccess(text -> ctx.response()
            .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            .putHeader("Cache-Control", "no-store")
            .end(text))
        .onFailure(ctx::fail);
  }
}
