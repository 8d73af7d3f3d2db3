package io.pinstream.http;

import io.pinstream.Services;
import io.pinstream.accounts.AccountsApi;
import io.pinstream.accounts.Auth;
import io.pinstream.accounts.SessionStore;
import io.pinstream.accounts.UserStore;
import io.pinstream.accounts.UsersApi;
import io.pinstream.boards.BoardStore;
import io.pinstream.boards.BoardsApi;
import io.pinstream.feed.FeedsApi;
import io.pinstream.live.LiveApi;
import io.pinstream.live.LiveFollows;
import io.pinstream.media.ImageServer;
import io.pinstream.media.MediaApi;
import io.pinstream.media.MediaStore;
import io.pinstream.pins.PinStore;
import io.pinstream.pins.PinsApi;
import io.pinstream.shop.ConversionStore;
import io.pinstream.shop.MerchantStore;
import io.pinstream.shop.Reports;
import io.pinstream.shop.ShopApi;
import io.pinstream.ops.OpenApiDocument;
import io.pinstream.ops.OpsApi;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;

/** The table of contents: which feature serves which paths. Each feature mounts its own routes. */
public final class ApiRouter {
  public static final String API_PREFIX = "/api/v1";

  private ApiRouter() {
  }

  /** The router for {@code server}'s requests; WebSocket handshakes are mounted on the server itself. */
  public static Router create(Vertx vertx, Services services, HttpServer server) {
    FailureHandler failures = new FailureHandler();
    Router root = Router.router(vertx);
    root.route().handler(new RequestIds());
    root.route().handler(ctx -> {
      ctx.response().putHeader("X-Content-Type-Options", "nosniff");
      ctx.next();
    });
    new OpsApi(vertx, services.pg(), services.redis(), services.metrics()).mount(root);

    UserStore users = new UserStore(services.pg());
    BoardStore boards = new BoardStore(services.pg());
    SessionStore sessions = new SessionStore(services.pg(), services.redis(), services.keys(),
        services.config().auth().sessionTtlDays(), services.sessions());
    Auth auth = new Auth(sessions);
    RateLimiter limiter = new RateLimiter(services.redis(), services.keys());
    MediaStore media = new MediaStore(services.pg());
    String imageBaseUrl = services.config().media().publicBaseUrl();

    // Features mount full paths on one router, so metrics and logs name routes as clients see them.
    Router api = root;
    new ImageServer(vertx, media, services.mediaStorage(), services.thumbnails()).mount(root);
    new MediaApi(vertx, media, services.mediaStorage(), services.thumbnails(), auth, services.config().media()).mount(api);
    LiveApi live = new LiveApi(vertx, services.config().live(), services.live(), services.feeds(), sessions, boards,
        users, services.pg());
    live.mount(api);
    live.mount(server);
    // Uploads stream to disk themselves (mounted before this); every other API body is small JSON,
    // read whole with a limit. A route without a path keeps the metrics' route label clean.
    api.route().handler(BodyHandler.create(false).setBodyLimit(services.config().http().jsonBodyLimit()));
    new OpenApiDocument().mount(api);
    new AccountsApi(users, sessions, services.passwords(), limiter, auth, services.config(),
        fingerprint -> services.live().sessionRevoked(fingerprint)).mount(api);
    LiveFollows follows = new LiveFollows(services.feeds(), services.live());
    new UsersApi(users, auth, follows).mount(api);
    new BoardsApi(boards, users, auth, follows).mount(api);
    MerchantStore merchants = new MerchantStore(services.pg());
    new PinsApi(new PinStore(services.pg()), boards, media, merchants, auth, imageBaseUrl, services.feeds()).mount(api);
    new FeedsApi(services.feeds(), boards, users, auth).mount(api);
    new ShopApi(services.pg(), merchants, new ConversionStore(services.pg()), new Reports(services.pg()), services.clicks(),
        sessions, auth, services.config()).mount(api);
    mountWebPage(root, imageBaseUrl);

    root.route().failureHandler(failures);
    root.errorHandler(404, failures);
    root.errorHandler(405, failures);
    root.errorHandler(500, failures);
    return root;
  }

  /**
   * The browser app, last, so every API route wins. Only GET/HEAD outside /api/, so API paths keep
   * their 404/405 answers. The page runs nothing but its own script and talks only to its own origin.
   */
  private static void mountWebPage(Router root, String imageBaseUrl) {
    String csp = "default-src 'self'; img-src 'self' data:" + (imageBaseUrl.isEmpty() ? "" : " " + imageBaseUrl)
        + "; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
    root.routeWithRegex("^/(?!api/).*").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> {
          ctx.response().putHeader("Content-Security-Policy", csp)
              .putHeader("Referrer-Policy", "no-referrer")
              .putHeader("X-Frame-Options", "DENY");
          ctx.next();
        })
        .handler(StaticHandler.create("webroot").setMaxAgeSeconds(300).setDefaultContentEncoding("UTF-8"));
  }
}
