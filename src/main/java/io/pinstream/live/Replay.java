package io.pinstream.live;

import io.pinstream.feed.FeedService;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a client missed on a topic since a pin id, read from the topic's feed itself (Redis, and
 * PostgreSQL past the cap), so a browser away for a day catches up like one away for a second.
 */
final class Replay {
  private static final int PAGE = 100;
  private final FeedService feeds;

  Replay(FeedService feeds) {
    this.feeds = feeds;
  }

  /** A pin the client missed: its id and its API object as the feed holds it (encoded JSON). */
  record Missed(long id, String json) {
  }

  /** Pins newer than {@code since}, newest first; null when there are more than {@code max} (resync). */
  Future<List<Missed>> newerThan(Subscription sub, long since, int max) {
    return collect(sub, since, max, null, new ArrayList<>());
  }

  private Future<List<Missed>> collect(Subscription sub, long since, int max, Long before, List<Missed> found) {
    return page(sub, before, Math.min(PAGE, max + 1)).compose(page -> {
      Long last = null;
      for (byte[] encoded : page.items()) {
        last = Long.parseLong(new JsonObject(Buffer.buffer(encoded)).getString("id"));
        if (last <= since) {
          return Future.succeededFuture(found);
        }
        if (found.size() == max) {
          return Future.succeededFuture(null);
        }
        found.add(new Missed(last, new String(encoded, StandardCharsets.UTF_8)));
      }
      return page.bookmark() == null || last == null
          ? Future.succeededFuture(found)
          : collect(sub, since, max, last, found);
    });
  }

  private Future<FeedService.Page> page(Subscription sub, Long before, int size) {
    return switch (sub.topic.kind()) {
      case HOME -> feeds.home(sub.connection.user.id(), before, size);
      case BOARD -> feeds.board(sub.topic.boardId(), before, size);
      case USER -> feeds.user(sub.userId, before, size);
      case TRENDING -> throw new IllegalArgumentException("trending has no replay");
    };
  }
}
