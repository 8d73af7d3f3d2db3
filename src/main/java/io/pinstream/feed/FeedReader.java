package io.pinstream.feed;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * Reads one page of a feed made of several hot sources (a home feed, plus the feeds of followed
 * celebrities merged at read time), with PostgreSQL behind them.
 *
 * <p>Each source is exact above its floor. The page is taken from the merged sources only where
 * all of them are known to be exact; the rest of the page, past the cap or past a floor, comes
 * from PostgreSQL with the same cursor. A source Redis lost is rebuilt by one request (a Redis
 * lock) while this and every other request is answered from PostgreSQL: the answer is the same,
 * only slower.
 */
final class FeedReader {
  private static final Logger log = LoggerFactory.getLogger(FeedReader.class);
  private static final int LOCK_SECONDS = 30;

  /** A hot feed and how to rebuild it: {@code (before, limit) -> newest ids} from PostgreSQL. */
  record Source(String key, BiFunction<Long, Integer, Future<List<Long>>> truth) {
  }

  private final FeedStore store;
  private final int cap;

  FeedReader(FeedStore store, int cap) {
    this.store = store;
    this.cap = cap;
  }

  /**
   * Up to {@code limit} ids below {@code before}, newest first.
   *
   * @param fallback the whole feed from PostgreSQL: {@code (before, limit) -> ids}
   */
  Future<List<Long>> read(List<Source> sources, BiFunction<Long, Integer, Future<List<Long>>> fallback, Long before,
                          int limit) {
    List<String> keys = sources.stream().map(Source::key).toList();
    return store.read(keys, before, limit)
        .compose(windows -> merge(sources, windows, fallback, before, limit), redisDown -> {
          log.debug("feed read from PostgreSQL, Redis failed: {}", redisDown.toString());
          return fallback.apply(before, limit);
        });
  }

  /** The page from windows already read from {@code sources} (in the same order), as {@link #read} does. */
  Future<List<Long>> merge(List<Source> sources, List<FeedStore.Window> windows,
                           BiFunction<Long, Integer, Future<List<Long>>> fallback, Long before, int limit) {
    {
      boolean allBuilt = true;
      for (int i = 0; i < windows.size(); i++) {
        if (windows.get(i) == null) {
          allBuilt = false;
          rebuild(sources.get(i));
        }
      }
      if (!allBuilt) {
        return fallback.apply(before, limit);
      }
      // Exact above 'trusted': every source returned all its ids down to there.
      long trusted = 0;
      TreeSet<Long> merged = new TreeSet<>();
      for (FeedStore.Window w : windows) {
        long bound = w.ids().size() >= limit ? w.ids().get(w.ids().size() - 1) - 1 : w.floor();
        trusted = Math.max(trusted, bound);
        merged.addAll(w.ids());
      }
      List<Long> page = new ArrayList<>(limit);
      for (long id : merged.descendingSet()) {
        if (id <= trusted || page.size() == limit) {
          break;
        }
        page.add(id);
      }
      if (page.size() == limit || trusted == 0) {
        return Future.succeededFuture(page);
      }
      Long next = page.isEmpty() ? before : page.get(page.size() - 1);
      return fallback.apply(next, limit - page.size()).map(rest -> {
        page.addAll(rest);
        return page;
      });
    }
  }

  /** Rebuilds a lost feed from PostgreSQL, by whoever gets the lock; everyone else carries on without waiting. */
  void rebuild(Source source) {
    store.tryLock(source.key(), LOCK_SECONDS).onSuccess(locked -> {
      if (!locked) {
        return;
      }
      store.beginBuild(source.key())
          .compose(v -> source.truth().apply(null, cap))
          .compose(ids -> store.finishBuild(source.key(), ids, cap))
          .eventually(() -> store.unlock(source.key()))
          .onFailure(e -> log.warn("rebuilding {} failed: {}", source.key(), e.toString()));
    });
  }
}
