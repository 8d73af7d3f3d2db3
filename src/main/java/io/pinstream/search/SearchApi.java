package io.pinstream.search;

import io.pinstream.common.Ids;
import io.pinstream.common.Problems;
import io.pinstream.web.Paging;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /api/v1/search/pins?q=&page_size=&bookmark=}: pins ranked by their words, saves and
 * freshness, paged like the feeds. {@code GET /api/v1/search/suggest?q=&limit=}: the type-ahead, the
 * best few pins for a query still being typed (its last word counts as a prefix), one page.
 * Both are public, like trending: every board is public.
 */
public final class SearchApi {
  static final int SUGGEST_DEFAULT = 8;
  static final int SUGGEST_MAX = 20;
  private final SearchService search;

  public SearchApi(SearchService search) {
    this.search = search;
  }

  public void mount(Router router) {
    router.get("/api/v1/search/pins").handler(this::pins);
    router.get("/api/v1/search/suggest").handler(this::suggest);
  }

  private void pins(RoutingContext ctx) {
    SearchQuery query = SearchQuery.parse(ctx.queryParams().get("q"));
    Paging paging = Paging.of(ctx);
    reply(ctx, search.search(query, paging.cursor(), paging.pageSize()));
  }

  private void suggest(RoutingContext ctx) {
    SearchQuery query = SearchQuery.parse(ctx.queryParams().get("q"));
    String limitParam = ctx.queryParams().get("limit");
    int limit = SUGGEST_DEFAULT;
    if (limitParam != null) {
      Long parsed = Ids.parse(limitParam);
      if (parsed == null || parsed < 1 || parsed > SUGGEST_MAX) {
        throw Problems.invalid("limit", "must be a whole number from 1 to " + SUGGEST_MAX);
      }
      limit = parsed.intValue();
    }
    reply(ctx, search.suggest(query, limit));
  }

  private static void reply(RoutingContext ctx, Future<SearchService.Page> page) {
    page.onSuccess(p -> ctx.response()
            .putHeader("Content-Type", "application/json; charset=utf-8")
            .putHeader("Cache-Control", "no-store")
            .end(p.toJson()))
        .onFailure(ctx::fail);
  }
}
