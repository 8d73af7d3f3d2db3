package io.pinstream.feed;

import io.pinstream.common.Bookmarks;
import io.pinstream.common.Ids;
import io.pinstream.config.Config;
import io.pinstream.infra.RedisKeys;
import io.pinstream.infra.RedisScripts;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Trending pins: {@code score = log10(1 + 2 x saves + clicks) + age_origin_seconds / decay}.
 *
 * <p>Why this form (Reddit's "hot"): ordering by it is the same as ordering by
 * {@code engagement x 10^(created_at / decay)}, i.e. engagement decayed exponentially with age
 * (with the default decay of 45000 s, a pin needs 10x the engagement of one 12.5 hours younger,
 * a half-life of about 3.8 hours). Because every pin decays at the same rate, a score never needs
 * recomputing as time passes: only when the pin is saved or clicked. A save counts twice a click
 * (it puts the pin in front of the saver's followers). The top {@code trending_size} live in a
 * Redis sorted set; PostgreSQL computes the same formula to rebuild it.
 *
 * <p>Paging: pages are read from a snapshot of the ranking (ZRANGESTORE, kept 15 minutes) and the
 * bookmark points into it, so scores moving while someone scrolls never repeat or skip a pin. There
 * is one snapshot per {@code feed.trending_snapshot_seconds} (a minute), shared by every reader who
 * starts in it: the keys trending reads keep in Redis are bounded by time (15 minutes of snapshots of
 * at most {@code trending_size} pins), never by the number of readers. A first page is at most that
 * old.
 */
public final class Trending {
  private static final int SNAPSHOT_SECONDS = 900;
  private static final String SCORE_SQL =
      "log(1 + 2 * save_count + click_count) + (extract(epoch FROM created_at) - " + Ids.EPOCH_MILLIS / 1000
          + ") / $1::float8"; // time from the ids' origin keeps the time term small

  /** KEYS: the minute's snapshot, the ranking; ARGV: seconds to keep it. Made by the minute's first reader. */
  private static final String SNAPSHOT_ONCE = """
      if redis.call('EXISTS', KEYS[1]) == 0 then
        redis.call('ZRANGESTORE', KEYS[1], KEYS[2], 0, -1, 'REV')
        redis.call('EXPIRE', KEYS[1], ARGV[1])
      end
      return 1
      """;
  private final RedisScripts scripts;
  private final io.vertx.core.Vertx vertx;
  private final Redis redis;
  private final RedisKeys keys;
  private final Pool pool;
  private final FeedStore store;
  private final Config.Feed config;
  private final RedisScripts.Script snapshotOnce;

  public Trending(io.vertx.core.Vertx vertx, Redis redis, RedisKeys keys, RedisScripts scripts, Pool pool,
                  FeedStore store, Config.Feed config) {
    this.scripts = scripts;
    this.snapshotOnce = scripts.define(SNAPSHOT_ONCE);
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.pool = pool;
    this.store = store;
    this.config = config;
  }

  String key() {
    return keys.key("trending");
  }

  private String builtKey() {
    return keys.key("trending", "built");
  }

  /** Recomputes the scores of these pins from their counts in PostgreSQL and updates the ranking. */
  public Future<Void> rescore(List<Long> pinIds) {
    if (pinIds.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery("SELECT id, " + SCORE_SQL + " AS score FROM pins WHERE id = ANY($2) AND deleted_at IS NULL")
        .execute(Tuple.tuple().addDouble((double) config.trendingDecaySeconds()).addArrayOfLong(pinIds.toArray(Long[]::new)))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture();
          }
          Request zadd = Request.cmd(Command.ZADD).arg(key());
          for (Row row : rows) {
            zadd.arg(row.getDouble("score")).arg(row.getLong("id"));
          }
          return redis.batch(List.of(zadd,
                  Request.cmd(Command.ZREMRANGEBYRANK).arg(key()).arg(0).arg(-config.trendingSize() - 1)))
              .mapEmpty();
        });
  }

  public Future<Void> remove(long pinId) {
    return redis.send(Request.cmd(Command.ZREM).arg(key()).arg(pinId)).mapEmpty();
  }

  /**
   * A page of trending pin ids. {@code cursor} is null for the first page, else "snapshot:offset".
   * Returns the ids (up to limit + 1, to tell whether more follow) and the snapshot name.
   */
  public Future<Page> page(String cursor, int limit) {
    if (cursor == null) {
      String snapshot = Long.toString(System.currentTimeMillis() / (config.trendingSnapshotSeconds() * 1000L));
      return ensureBuilt()
          .compose(v -> scripts.send(snapshotOnce.call(List.of(snapshotKey(snapshot), key()),
              Integer.toString(SNAPSHOT_SECONDS))))
          .compose(v -> slice(snapshot, 0, limit));
    }
    int colon = cursor.indexOf(':');
    String snapshot = colon > 0 ? cursor.substring(0, colon) : "";
    int offset;
    try {
      offset = Integer.parseInt(cursor.substring(colon + 1));
    } catch (NumberFormatException e) {
      offset = -1;
    }
    if (!snapshot.matches("[0-9]{1,15}") || offset < 0) {
      return Future.failedFuture(Bookmarks.invalid());
    }
    return slice(snapshot, offset, limit);
  }

  public record Page(List<Long> ids, String snapshot, int offset) {
  }

  private Future<Page> slice(String snapshot, int offset, int limit) {
    // The snapshot is stored highest score first, so ranks ascend in trending order.
    return redis.send(Request.cmd(Command.ZRANGE).arg(snapshotKey(snapshot)).arg(offset).arg(offset + limit).arg("REV"))
        .map(reply -> {
          List<Long> ids = new ArrayList<>();
          if (reply != null) {
            for (Response r : reply) {
              ids.add(r.toLong());
            }
          }
          return new Page(ids, snapshot, offset);
        });
  }

  private String snapshotKey(String snapshot) {
    return keys.key("trending", "snapshot", snapshot);
  }

  /** After Redis lost the ranking: rebuilt once (a lock), from PostgreSQL, with the same formula. */
  Future<Void> ensureBuilt() {
    return redis.send(Request.cmd(Command.EXISTS).arg(builtKey())).compose(exists -> {
      if (exists.toInteger() == 1) {
        return Future.succeededFuture();
      }
      return store.tryLock("trending", 30).compose(locked -> locked ? rebuild() : waitForBuild(20));
    });
  }

  private Future<Void> rebuild() {
    return pool.preparedQuery("SELECT id, " + SCORE_SQL + " AS score FROM pins WHERE deleted_at IS NULL"
            + " ORDER BY score DESC, id DESC LIMIT $2")
        .execute(Tuple.of((double) config.trendingDecaySeconds(), config.trendingSize()))
        .compose(rows -> {
          List<Request> requests = new ArrayList<>();
          if (rows.size() > 0) {
            Request zadd = Request.cmd(Command.ZADD).arg(key());
            rows.forEach(row -> zadd.arg(row.getDouble("score")).arg(row.getLong("id")));
            requests.add(zadd);
          }
          requests.add(Request.cmd(Command.SET).arg(builtKey()).arg("1"));
          return redis.batch(requests);
        })
        .eventually(() -> store.unlock("trending"))
        .mapEmpty();
  }

  /** Another request is rebuilding: wait for it briefly rather than rebuilding again. */
  private Future<Void> waitForBuild(int attemptsLeft) {
    return redis.send(Request.cmd(Command.EXISTS).arg(builtKey())).compose(exists -> {
      if (exists.toInteger() == 1 || attemptsLeft == 0) {
        return Future.succeededFuture();
      }
      io.vertx.core.Promise<Void> later = io.vertx.core.Promise.promise();
      vertx.setTimer(50, t -> waitForBuild(attemptsLeft - 1).onComplete(later));
      return later.future();
    });
  }
}
