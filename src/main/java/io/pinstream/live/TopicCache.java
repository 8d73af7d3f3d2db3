package io.pinstream.live;

import io.pinstream.accounts.UserStore;
import io.pinstream.boards.BoardStore;
import io.pinstream.common.ServiceException;
import io.vertx.core.Future;

import java.util.HashMap;
import java.util.Map;

/**
 * What a subscribe needs to know of its topic (the board exists, the user's id), per event loop:
 * a reconnect wave of thousands of clients subscribing to the same board costs one query per loop,
 * not one per client. Concurrent lookups of one topic share one query; answers are kept for a
 * minute (that a topic does not exist, for a few seconds). Confined to its hub's event loop.
 */
final class TopicCache {
  private static final long FOUND_MS = 60_000;
  private static final long MISSING_MS = 5_000;
  private static final int MAX_ENTRIES = 100_000;
  private final BoardStore boards;
  private final UserStore users;
  private final Map<String, Entry> entries = new HashMap<>();

  /** A lookup and until when its answer holds; {@code until} is 0 while it runs. */
  private static final class Entry {
    final Future<Long> answer;
    long until;

    Entry(Future<Long> answer) {
      this.answer = answer;
    }
  }

  TopicCache(BoardStore boards, UserStore users) {
    this.boards = boards;
    this.users = users;
  }

  /** Succeeds when the board exists; 404 when it does not. */
  Future<Void> board(long boardId) {
    return lookup("board:" + boardId, () -> boards.get(boardId).map(b -> b.id())).mapEmpty();
  }

  /** The user's id; 404 when there is no such user. */
  Future<Long> user(String username) {
    return lookup("user:" + username, () -> users.byUsername(username).map(u -> u.id()));
  }

  private Future<Long> lookup(String key, java.util.function.Supplier<Future<Long>> query) {
    long now = System.currentTimeMillis();
    Entry entry = entries.get(key);
    if (entry != null && (entry.until == 0 || entry.until > now)) {
      return entry.answer;
    }
    if (entries.size() >= MAX_ENTRIES) {
      entries.values().removeIf(e -> e.until != 0 && e.until <= now);
      if (entries.size() >= MAX_ENTRIES) {
        entries.clear();
      }
    }
    Entry fresh = new Entry(query.get());
    entries.put(key, fresh);
    fresh.answer.onComplete(done -> {
      boolean missing = done.failed() && done.cause() instanceof ServiceException e && e.status() == 404;
      if (done.succeeded() || missing) {
        fresh.until = System.currentTimeMillis() + (missing ? MISSING_MS : FOUND_MS);
      } else {
        entries.remove(key, fresh); // a failure to look up is not an answer: the next subscribe asks again
      }
    });
    return fresh.answer;
  }
}
