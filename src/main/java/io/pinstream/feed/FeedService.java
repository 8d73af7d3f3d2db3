package io.pinstream.feed;

import io.pinstream.accounts.FollowEvents;
import io.pinstream.boards.BoardFollowEvents;
import io.pinstream.common.Bookmarks;
import io.pinstream.config.Config;
import io.pinstream.pins.Pin;
import io.pinstream.pins.PinEvents;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.function.BiFunction;
import java.util.List;

/**
 * Reading feeds (home, board, user, trending) and keeping home feeds right when follows change.
 * Every list answers from Redis when it can and from PostgreSQL when it must, with the same
 * cursor (a pin id), so the two are indistinguishable to the client; while fan-outs are overdue
 * ({@link FanOut#behind()}), from PostgreSQL, so no pin answered 201 is missing.
 */
public final class FeedService implements FollowEvents, BoardFollowEvents, PinEvents {
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

  /** A page of pins (encoded JSON objects) and the bookmark of the next page (null on the last page). */
  public record Page(List<byte[]> items, String bookmark) {
    private static final byte[] START = "{\"items\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BOOKMARK = "],\"bookmark\":".getBytes(StandardCharsets.US_ASCII);

    /**
     * {@code {"items": [...], "bookmark": ...}}, written from the encoded pins without re-encoding
     * them, into one buffer of the exact size (a feed page is ~20 KB: copied once, never regrown).
     */
    public Buffer toJson() {
      // Bookmarks are base64url (Paging): nothing in them needs escaping.
      String end = bookmark == null ? "null}" : "\"" + bookmark + "\"}";
      int size = START.length + BOOKMARK.length + end.length() + items.size();
      for (byte[] item : items) {
        size += item.length;
      }
      Buffer out = Buffer.buffer(size).appendBytes(START);
      for (int i = 0; i < items.size(); i++) {
        if (i > 0) {
          out.appendByte((byte) ',');
        }
        out.appendBytes(items.get(i));
      }
      return out.appendBytes(BOOKMARK).appendString(end, "US-ASCII");
    }
  }

  /**
   * One round trip reads the hot home feed together with the cached list of followed celebrities;
   * only a user who follows some makes a second one, for their feeds.
   */
  public Future<Page> home(long userId, Long before, int pageSize) {
    int limit = pageSize + 1;
    BiFunction<Long, Integer, Future<List<Long>>> truth = (b, n) -> queries.home(userId, b, n);
    if (fanOut.behind()) { // some pin answered 201 may not be in Redis yet: PostgreSQL has it
      return page(truth.apply(before, limit), pageSize);
    }
    Future<List<Long>> ids = store.readHome(userId, before, limit).compose(read -> followedCelebrities(userId, read)
        .compose(celebrities -> {
          if (celebrities.none()) {
            return reader.merge(List.of(homeSource(userId)), Collections.singletonList(read.home()), truth, before, limit);
          }
          List<FeedReader.Source> others = new ArrayList<>();
          celebrities.users().forEach(id -> others.add(userSource(id)));
          celebrities.boards().forEach(id -> others.add(boardSource(id)));
          return store.read(others.stream().map(FeedReader.Source::key).toList(), before, limit).compose(windows -> {
            List<FeedReader.Source> sources = new ArrayList<>(others.size() + 1);
            List<FeedStore.Window> all = new ArrayList<>(others.size() + 1);
            sources.add(homeSource(userId));
            all.add(read.home());
            sources.addAll(others);
            all.addAll(windows);
            return reader.merge(sources, all, truth, before, limit);
          });
        }), redisDown -> truth.apply(before, limit)); // Redis is a cache: without it, PostgreSQL answers
    return page(ids, pageSize);
  }

  public Future<Page> board(long boardId, Long before, int pageSize) {
    if (fanOut.behind()) {
      return page(queries.board(boardId, before, pageSize + 1), pageSize);
    }
    return page(reader.read(List.of(boardSource(boardId)), (b, n) -> queries.board(boardId, b, n), before, pageSize + 1),
        pageSize);
  }

  public Future<Page> user(long userId, Long before, int pageSize) {
    if (fanOut.behind()) {
      return page(queries.user(userId, before, pageSize + 1), pageSize);
    }
    return page(reader.read(List.of(userSource(userId)), (b, n) -> queries.user(userId, b, n), before, pageSize + 1),
        pageSize);
  }

  /** Trending, paged through a snapshot: {@code cursor} is null or what the last page returned. */
  public Future<Page> trending(String cursor, int pageSize) {
    return trending.page(cursor, pageSize).compose(page -> {
      boolean more = page.ids().size() > pageSize;
      List<Long> ids = more ? page.ids().subList(0, pageSize) : page.ids();
      String next = more ? Bookmarks.encode(page.snapshot() + ":" + (page.offset() + pageSize)) : null;
      return pins.hydrateEncoded(ids).map(items -> new Page(items, next));
    });
  }

  private Future<Page> page(Future<List<Long>> ids, int pageSize) {
    return ids.compose(list -> {
      boolean more = list.size() > pageSize;
      List<Long> pageIds = more ? list.subList(0, pageSize) : list;
      String next = more ? Bookmarks.encode(Long.toString(pageIds.get(pageIds.size() - 1))) : null;
      return pins.hydrateEncoded(pageIds).map(items -> new Page(items, next));
    });
  }

  /**
   * Which followed accounts and boards are merged at read time. Asked on every home read, so cached
   * in Redis; dropped when the user follows or unfollows, and out of date for everyone the moment
   * any account becomes a celebrity (a version number in the cached value).
   */
  private Future<FeedQueries.Celebrities> followedCelebrities(long userId, FeedStore.HomeRead read) {
    return read.celebrities() != null
        ? Future.succeededFuture(read.celebrities())
        : queries.followedCelebrities(userId)
            .compose(found -> store.cacheCelebrities(userId, read.version(), found, 300).map(found));
  }

  /** Whose pins a user's home feed shows: what a live home subscription routes by. */
  public Future<HomeRule.Sources> homeSources(long userId) {
    return queries.homeSources(userId);
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
    return promote("users", followeeId)
        .compose(v -> store.forgetCelebrities(followerId))
        .compose(v -> queries.user(followeeId, null, config.homeCap()))
        .compose(ids -> store.addAll(store.home(followerId), ids, config.homeCap()));
  }

  @Override
  public Future<Void> userUnfollowed(long followerId, long followeeId) {
    return store.forgetCelebrities(followerId)
        .compose(v -> queries.pinsLeavingOnUnfollowUser(followerId, followeeId, config.homeCap()))
        .compose(ids -> store.remove(List.of(store.home(followerId)), ids));
  }

  @Override
  public Future<Void> boardFollowed(long followerId, long boardId) {
    return promote("boards", boardId)
        .compose(v -> store.forgetCelebrities(followerId))
        .compose(v -> queries.board(boardId, null, config.homeCap()))
        .compose(ids -> store.addAll(store.home(followerId), ids, config.homeCap()));
  }

  @Override
  public Future<Void> boardUnfollowed(long followerId, long boardId) {
    return store.forgetCelebrities(followerId)
        .compose(v -> queries.pinsLeavingOnUnfollowBoard(followerId, boardId, config.homeCap()))
        .compose(ids -> store.remove(List.of(store.home(followerId)), ids));
  }

  /** A user or board that just reached the threshold stops being fanned out from its next pin on. */
  private Future<Void> promote(String table, long id) {
    return queries.promoteIfCelebrity(table, id, config.celebrityThreshold())
        .compose(promoted -> promoted ? store.celebritiesChanged() : Future.succeededFuture());
  }

  // ---- pins change feeds ----

  /** The new pin's bytes go into the pin caches first: its fan-out, first readers and live event use them. */
  @Override
  public Future<Void> pinCreated(Pin pin, byte[] json) {
    pins.prime(pin.id(), json, pin.media().ready());
    return fanOut.deliver(pin.id(), FanOut.ADD);
  }

  @Override
  public Future<Void> pinDeleted(long pinId) {
    return fanOut.deliver(pinId, FanOut.REMOVE);
  }

  /** Its cached copies go; other nodes' in-process copies follow within PinHydrator.NEAR_TTL, as counts do. */
  @Override
  public Future<Void> pinEdited(long pinId) {
    return pins.evict(List.of(pinId));
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
