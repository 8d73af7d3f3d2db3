package io.pinstream.site;

import io.pinstream.accounts.UserStore;
import io.pinstream.boards.BoardStore;
import io.pinstream.common.Ids;
import io.pinstream.common.ServiceException;
import io.pinstream.pins.PinStore;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * The web app's pages: one HTML shell for every page (the script routes on the client with the
 * history API), answered with the status the page deserves. A pin, profile or board that does not
 * exist is looked up here first, so {@code /pin/<unknown>} is a real 404, as is any path no page has.
 * The shell is {@code no-cache} (revalidated by ETag); the files it names carry content hashes and are
 * cached for a year ({@link WebAssets}). Mounted last, so every API route wins.
 */
public final class WebPages {
  private static final String STATUS_OK = "<meta name=\"pinstream-status\" content=\"200\">";
  /** Pages that need no lookup. */
  private static final List<String> PAGES = List.of("/", "/search", "/shop", "/me/earnings");
  private final WebAssets assets;
  private final PinStore pins;
  private final UserStore users;
  private final BoardStore boards;
  private final String csp;
  private final Buffer shell;
  private final String shellEtag;
  private final Buffer notFound;

  public WebPages(WebAssets assets, PinStore pins, UserStore users, BoardStore boards, String imageBaseUrl) {
    this.assets = assets;
    this.pins = pins;
    this.users = users;
    this.boards = boards;
    // The page runs nothing but its own script and talks only to its own origin.
    this.csp = "default-src 'self'; img-src 'self' data: blob:" + (imageBaseUrl.isEmpty() ? "" : " " + imageBaseUrl)
        + "; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
    String html = assets.shell();
    if (!html.contains(STATUS_OK)) {
      throw new IllegalStateException("webroot/index.html lacks " + STATUS_OK);
    }
    this.shell = Buffer.buffer(html);
    this.shellEtag = '"' + WebAssets.sha256(html.getBytes(StandardCharsets.UTF_8)).substring(0, 16) + '"';
    this.notFound = Buffer.buffer(html.replace(STATUS_OK, "<meta name=\"pinstream-status\" content=\"404\">")
        .replace("<title>Pinstream</title>", "<title>Not found · Pinstream</title>"));
  }

  public void mount(Router router) {
    // HEAD of a page or asset is its GET without the body (Vert.x drops the body of a HEAD answer).
    router.routeWithRegex("^/($|pin/|u/|board/|search|shop|me/earnings|assets/).*").method(HttpMethod.HEAD)
        .handler(ctx -> ctx.reroute(HttpMethod.GET, ctx.request().uri()));
    router.get("/assets/:file").handler(this::asset);
    for (String page : PAGES) {
      router.get(page).handler(ctx -> page(ctx, true));
    }
    router.get("/pin/:id").handler(exists(ctx -> {
      Long id = Ids.parse(ctx.pathParam("id"));
      return id == null ? null : pins.get(id);
    }));
    router.get("/u/:username").handler(exists(ctx -> users.byUsername(ctx.pathParam("username"))));
    router.get("/board/:id").handler(exists(ctx -> {
      Long id = Ids.parse(ctx.pathParam("id"));
      return id == null ? null : boards.get(id);
    }));
    // Any other path a browser may ask for (not the API's, which keep their problem+json answers).
    router.routeWithRegex("^/(?!api/).*").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> page(ctx, false));
  }

  /** The shell when {@code lookup} finds the thing (null: an id that cannot exist), the 404 page when it does not. */
  private Handler<RoutingContext> exists(Function<RoutingContext, Future<?>> lookup) {
    return ctx -> {
      Future<?> found = lookup.apply(ctx);
      if (found == null) {
        page(ctx, false);
        return;
      }
      found.onSuccess(v -> page(ctx, true)).onFailure(e -> {
        if (e instanceof ServiceException s && s.status() == 404) {
          page(ctx, false);
        } else {
          ctx.fail(e);
        }
      });
    };
  }

  private void page(RoutingContext ctx, boolean found) {
    HttpServerResponse response = headers(ctx.response())
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-cache");
    if (!found) {
      response.setStatusCode(404).end(notFound);
      return;
    }
    response.putHeader("ETag", shellEtag);
    if (shellEtag.equals(ctx.request().getHeader("If-None-Match"))) {
      response.setStatusCode(304).end();
      return;
    }
    response.end(shell);
  }

  private void asset(RoutingContext ctx) {
    WebAssets.Asset asset = assets.asset(ctx.pathParam("file"));
    if (asset == null) {
      page(ctx, false);
      return;
    }
    HttpServerResponse response = headers(ctx.response())
        .putHeader("Content-Type", asset.contentType())
        .putHeader("Cache-Control", "public, max-age=31536000, immutable")
        .putHeader("ETag", asset.etag());
    if (asset.etag().equals(ctx.request().getHeader("If-None-Match"))) {
      response.setStatusCode(304).end();
      return;
    }
    response.end(asset.bytes());
  }

  private HttpServerResponse headers(HttpServerResponse response) {
    return response.putHeader("Content-Security-Policy", csp)
        .putHeader("Referrer-Policy", "same-origin")
        .putHeader("X-Frame-Options", "DENY");
  }
}
