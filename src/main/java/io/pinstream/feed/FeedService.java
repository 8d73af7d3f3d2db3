package io.pinstream.feed;

import io.pinstream.accounts.UsersApi;
import io.pinstream.boards.BoardsApi;
import io.pinstream.pins.PinsApi;
import io.pinstream.config.Config;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Reading feeds (home, board, user, trending) and keeping home feeds right when follows change.
 * Every list answers from Redis when it can and from PostgreSQL when it must, with the same
 * cursor (a pin id), so the two are indistinguishable to the client.
 */
public final class FeedService implements UsersApi.FollowListener, BoardsApi.FollowListener, PinsApi.PinListener {
  private final FeedStore store;
  private final FeedQueries queries;
  private final FeedReader reader;
  private final PinHydrator pins;
  private final Trending trending;
  private final Config.Feed config;
  private final FanOut fanOut;

  public FeedService(FeedStore store, FeedQueries queries, PinHydrator pins, Trending trending, FanOut fanOut,
                     Config.Feed config) {
    this.fanOut = fanOut;
    this.store = store;
    this.queries = queries;
    this.reader = new FeedReader(store, config.homeCap());
    this.pins = pins;
    this.trending = trending;
    this.config = config;
  }

  /** A page of pins and the id to continue below (null on the last page). */
  public record Page(List<JsonObject> items, Long next) {
  }

  public Future<Page> home(long userId, Long before, int pageSize) {
    FeedReader.Source home = homeSource(userId);
    return queries.followedCelebrities(userId, config.celebrityThreshold()).compose(celebrities -> {
      List<FeedReader.Source> sources = new ArrayList<>();
      sources.add(home);
      celebrities.users().forEach(id -> sources.add(userSource(id)));
      celebrities.boards().forEach(id -> sources.add(boardSource(id)));
      return page(reader.read(sources, (b, n) -> queries.home(userId, b, n), before, pageSize + 1), pageSize);
    });
  }

  public Future<Page> board(long boardId, Long before, int pageSize) {
    return page(reader.read(List.of(boardSource(boardId)), (b, n) -> queries.board(boardId, b, n), before, pageSize + 1),
        pageSize);
  }

  public Future<Page> user(long userId, Long before, int pageSize) {
    return page(reader.read(List.of(userSource(userId)), (b, n) -> queries.user(userId, b, n), before, pageSize + 1),
        pageSize);
  }

  /** Trending, paged through a snapshot: {@code cursor} is null or what the last page returned. */
  public Future<JsonObject> trending(String cursor, int pageSize) {
    return trending.page(cursor, pageSize).compose(page -> {
      boolean more = page.ids().size() > pageSize;
      List<Long> ids = more ? page.ids().subList(0, pageSize) : page.ids();
      return pins.hydrate(ids).map(items -> new JsonObject()
          .put("items", new io.vertx.core.json.JsonArray(new ArrayList<>(items)))
          .put("bookmark", more ? io.pinstream.http.Paging.bookmark(page.snapshot() + ":" + (page.offset() + pageSize)) : null));
    });
  }

  private Future<Page> page(Future<List<Long>> ids, int pageSize) {
    return ids.compose(list -> {
      boolean more = list.size() > pageSize;
      List<Long> pageIds = more ? list.subList(0, pageSize) : list;
      Long next = more ? pageIds.get(pageIds.size() - 1) : null;
      return pins.hydrate(pageIds).map(items -> new Page(items, next));
    });
  }

  FeedReader.Source homeSource(long userId) {
    return new FeedReader.Source(store.home(userId), (b, n) -> queries.home(userId, b, n));
  }

  FeedReader.Source boardSource(long boardId) {
    return new FeedReader.Source(store.board(boardId), (b, n) -> queries.board(boardId, b, n));
  }

  FeedReader.Source userSource(long userId) {
    return new FeedReader.Source(store.user(userId), (b, n) -> queries.user(userId, b, n));
  }

  // ---- follows change home feeds ----

  @Override
  public Future<Void> userFollowed(long followerId, long followeeId) {
    return queries.user(followeeId, null, config.homeCap())
        .compose(ids -> store.addAll(store.home(followerId), ids, config.homeCap()));
  }

  @Override
  public Future<Void> userUnfollowed(long followerId, long followeeId) {
    return queries.pinsLeavingOnUnfollowUser(followerId, followeeId, config.homeCap())
        .compose(ids -> store.remove(List.of(store.home(followerId)), ids));
  }

  @Override
  public Future<Void> boardFollowed(long followerId, long boardId) {
    return queries.board(boardId, null, config.homeCap())
        .compose(ids -> store.addAll(store.home(followerId), ids, config.homeCap()));
  }

  @Override
  public Future<Void> boardUnfollowed(long followerId, long boardId) {
    return queries.pinsLeavingOnUnfollowBoard(followerId, boardId, config.homeCap())
        .compose(ids -> store.remove(List.of(store.home(followerId)), ids));
  }

  // ---- pins change feeds ----

  @Override
  public Future<Void> pinCreated(long pinId) {
    return fanOut.deliver(pinId, "add");
  }

  @Override
  public Future<Void> pinDeleted(long pinId) {
    return fanOut.deliver(pinId, "remove");
  }

  @Override
  public Future<Void> pinSaved(long originalPinId) {
    return pinEngaged(List.of(originalPinId));
  }

  /** A pin's counts changed (saved, clicked): its cached copy goes and its trending score moves. */
  public Future<Void> pinEngaged(List<Long> pinIds) {
    return pins.evict(pinIds).compose(v -> trending.rescore(pinIds));
  }
}
