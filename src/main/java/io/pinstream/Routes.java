package io.pinstream;

import io.pinstream.accounts.AccountsApi;
import io.pinstream.accounts.UsersApi;
import io.pinstream.boards.BoardsApi;
import io.pinstream.feed.FeedsApi;
import io.pinstream.live.LiveApi;
import io.pinstream.media.ImageServer;
import io.pinstream.media.MediaApi;
import io.pinstream.ops.OpenApiDocument;
import io.pinstream.ops.OpsApi;
import io.pinstream.pins.PinsApi;
import io.pinstream.search.SearchApi;
import io.pinstream.shop.ShopApi;
import io.pinstream.site.WebPages;
import io.pinstream.web.FailureHandler;
import io.pinstream.web.RequestIds;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.redis.client.RedisAPI;

import java.util.List;

/**
 * The table of contents: which feature serves which paths. Each feature mounts its own routes, on one
 * router with full paths, so metrics and logs name routes as clients see them. Made once per HTTP
 * verticle (each event loop has its own live hub) from the components built once per process.
 */
final class Routes {
  private Routes() {
  }

  /** The router for {@code server}'s requests; WebSocket handshakes are mounted on the server itself. */
  static Router create(Vertx vertx, Components c, HttpServer server) {
    FailureHandler failures = new FailureHandler();
    Router router = Router.router(vertx);
    router.route().handler(new RequestIds());
    router.route().handler(ctx -> {
      ctx.response().putHeader("X-Content-Type-Options", "nosniff");
      ctx.next();
    });
    new OpsApi(vertx, c.pg, RedisAPI.api(c.redis), c.metrics, c.live.warmUp()::running).mount(router); // /metrics: ManagementServer
    String imageBaseUrl = c.config.media().publicBaseUrl();

    // Uploads and live connections read their own bodies: mounted before the body handler.
    router.post("/api/v1/media").handler(c.idempotencyKeys.forStreamedBody());
    new ImageServer(vertx, c.media, c.mediaStorage, c.thumbnails, c.mediaUrls, c.variants).mount(router);
    new MediaApi(vertx, c.media, c.mediaStorage, c.mediaProcessor, c.thumbnails, c.auth, c.config.media(), c.limiter,
        c.config.rateLimits(), c.mediaUrls)
        .mount(router);
    LiveApi live = new LiveApi(vertx, c.config.live(), c.live, c.feeds, c.sessions, c.boards, c.users, c.auth,
        c.config.http().trustForwardedFor());
    live.mount(router);
    live.mount(server);
    // Every other API body is small JSON, read whole with a limit. A route without a path keeps the
    // metrics' route label clean.
    router.route().handler(BodyHandler.create(false).setBodyLimit(c.config.http().jsonBodyLimit()));
    // Creating POSTs answer a retried Idempotency-Key with their first answer.
    for (String creating : List.of("/api/v1/accounts", "/api/v1/boards", "/api/v1/pins", "/api/v1/pins/:id/save",
        "/api/v1/merchants")) {
      router.post(creating).handler(c.idempotencyKeys.forJson());
    }
    new OpenApiDocument().mount(router);
    new AccountsApi(c.users, c.sessions, c.passwords, c.limiter, c.auth, c.config).mount(router);
    new UsersApi(c.users, c.auth, c.followEvents).mount(router);
    new BoardsApi(c.boards, c.users, c.auth, c.boardFollowEvents).mount(router);
    new PinsApi(c.pins, c.boards, c.media, c.productPins, c.merchantKeys, c.auth, c.pinEncoder, c.feeds, c.limiter,
        c.config.rateLimits()).mount(router);
    new FeedsApi(c.feeds, c.boards, c.users, c.auth).mount(router);
    new SearchApi(c.search).mount(router);
    new ShopApi(c.merchants, c.conversions, c.reports, c.clicks, c.clickTargets, c.attribution, c.domains, c.merchantKeys, c.auth,
        c.config.http().trustForwardedFor()).mount(router);
    new WebPages(c.webAssets, c.pins, c.users, c.boards, imageBaseUrl).mount(router);

    router.route().failureHandler(failures);
    router.errorHandler(404, failures);
    router.errorHandler(405, failures);
    router.errorHandler(500, failures);
    return router;
  }
}
