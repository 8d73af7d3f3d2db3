package io.pinstream.feed;

import io.vertx.core.Future;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/** PostgreSQL, the truth behind every feed: what each feed holds, and who a pin fans out to. */
public final class FeedQueries {
  private static final int FIRST_CHUNK = 100;
  private final Pool pool;

  public FeedQueries(Pool pool) {
    this.pool = pool;
  }

  public Future<List<Long>> home(long userId, Long before, int limit) {
    return ids(HomeRule.HOME, Tuple.of(userId, before == null ? Long.MAX_VALUE : before, limit));
  }

  public Future<List<Long>> board(long boardId, Long before, int limit) {
    return ids("SELECT id FROM pins WHERE board_id = $1 AND deleted_at IS NULL AND id < $2 ORDER BY id DESC LIMIT $3",
        Tuple.of(boardId, before == null ? Long.MAX_VALUE : before, limit));
  }

  public Future<List<Long>> user(long userId, Long before, int limit) {
    return ids("SELECT id FROM pins WHERE owner_id = $1 AND deleted_at IS NULL AND id < $2 ORDER BY id DESC LIMIT $3",
        Tuple.of(userId, before == null ? Long.MAX_VALUE : before, limit));
  }

  /**
   * Where a pin lives, and whether its author and board are too big to fan out to.
   * {@code ownerFollowers} and {@code boardFollowers} are the counters as the claim read them: they
   * only choose how the audience is read, never who is in it.
   */
  public record PinTarget(long pinId, long ownerId, String ownerUsername, long boardId, boolean ownerIsCelebrity,
                          boolean boardIsCelebrity, boolean deleted, int ownerFollowers, int boardFollowers) {
  }

  /**
   * Claims a pin's outbox row for {@code leaseSeconds} and says where the pin lives, in one
   * statement; null when the row is gone or someone else holds its lease.
   */
  public Future<PinTarget> claim(long pinId, String action, int leaseSeconds) {
    return pool.preparedQuery("""
            WITH claimed AS (
              UPDATE feed_outbox SET claimed_until = now() + make_interval(secs => $3)
               WHERE pin_id = $1 AND action = $2 AND (claimed_until IS NULL OR claimed_until < now())
               RETURNING pin_id)
            SELECT p.id, p.owner_id, u.username, p.board_id, u.celebrity AS owner_celebrity, b.celebrity AS board_celebrity,
                   p.deleted_at IS NOT NULL AS deleted, u.follower_count AS owner_followers,
                   b.follower_count AS board_followers
              FROM claimed c JOIN pins p ON p.id = c.pin_id
              JOIN users u ON u.id = p.owner_id JOIN boards b ON b.id = p.board_id""")
        .execute(Tuple.of(pinId, action, leaseSeconds))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          return new PinTarget(r.getLong("id"), r.getLong("owner_id"), r.getString("username"), r.getLong("board_id"),
              r.getBoolean("owner_celebrity"), r.getBoolean("board_celebrity"), r.getBoolean("deleted"),
              r.getInteger("owner_followers"), r.getInteger("board_followers"));
        });
  }

  /**
   * Whose home feeds a pin goes to: its author, the author's followers, the board's followers;
   * a celebrity's followers (or a celebrity board's) only when {@code everyone} (removals: the pin
   * may have been fanned out before its author became one).
   *
   * <p>Read through a cursor, {@code chunk} users at a time, each chunk handed to {@code each} as
   * it arrives: fan-out writes the first feeds while PostgreSQL still sends the rest (the first
   * chunk is small, so Redis starts as early as it can). A user who follows both the author and
   * the board comes twice (UNION ALL streams, UNION would not); adding a pin to a feed twice is
   * harmless. Completes when every chunk's future has.
   *
   * <p>A small audience (most authors have few followers) is one plain query instead: a cursor
   * needs a transaction, which costs three more round trips than the whole answer.
   */
  public Future<Void> audience(PinTarget pin, boolean everyone, int chunk, Function<List<Long>, Future<Void>> each) {
    boolean skipOwnerFollowers = pin.ownerIsCelebrity() && !everyone;
    boolean skipBoardFollowers = pin.boardIsCelebrity() && !everyone;
    Tuple args = Tuple.of(pin.ownerId(), pin.boardId(), skipOwnerFollowers, skipBoardFollowers);
    long expected = 1L + (skipOwnerFollowers ? 0 : pin.ownerFollowers()) + (skipBoardFollowers ? 0 : pin.boardFollowers());
    if (expected <= FIRST_CHUNK) {
      return pool.preparedQuery(HomeRule.AUDIENCE).execute(args).compose(rows -> each.apply(longs(rows)));
    }
    List<Future<Void>> handed = new ArrayList<>();
    return pool.withTransaction(conn -> conn.prepare(HomeRule.AUDIENCE)
            .compose(statement -> readChunks(statement.cursor(args), Math.min(chunk, FIRST_CHUNK), chunk,
                ids -> handed.add(each.apply(ids)))))
        .compose(v -> Future.all(handed))
        .mapEmpty();
  }

  private static Future<Void> readChunks(Cursor cursor, int size, int next, Consumer<List<Long>> each) {
    return cursor.read(size).compose(rows -> {
      each.accept(longs(rows));
      return cursor.hasMore() ? readChunks(cursor, next, next, each) : cursor.close();
    });
  }

  /** Whose pins a user's home feed shows (for a live home subscription). */
  public Future<HomeRule.Sources> homeSources(long userId) {
    return pool.preparedQuery(HomeRule.SOURCES).execute(Tuple.of(userId)).map(rows -> {
      List<Long> users = new ArrayList<>();
      List<Long> boards = new ArrayList<>();
      rows.forEach(r -> (r.getBoolean(0) ? users : boards).add(r.getLong(1)));
      return HomeRule.Sources.of(userId, users.stream().mapToLong(Long::longValue).toArray(),
          boards.stream().mapToLong(Long::longValue).toArray());
    });
  }

  /** The feeds a home read merges at read time: followed users and boards above the threshold. */
  public record Celebrities(List<Long> users, List<Long> boards) {
    boolean none() {
      return users.isEmpty() && boards.isEmpty();
    }
  }

  /** Marks a user (table "users") or board ("boards") as a celebrity once it has enough followers; true when it just became one. */
  public Future<Boolean> promoteIfCelebrity(String table, long id, int threshold) {
    return pool.preparedQuery("UPDATE " + table + " SET celebrity = true WHERE id = $1 AND NOT celebrity AND follower_count >= $2")
        .execute(Tuple.of(id, threshold))
        .map(rows -> rows.rowCount() == 1);
  }

  public Future<Celebrities> followedCelebrities(long userId) {
    return pool.preparedQuery("""
            SELECT 'user' AS kind, u.id FROM follows f JOIN users u ON u.id = f.followee_id
             WHERE f.follower_id = $1 AND u.celebrity
            UNION ALL
            SELECT 'board', b.id FROM board_follows bf JOIN boards b ON b.id = bf.board_id
             WHERE bf.user_id = $1 AND b.celebrity""")
        .execute(Tuple.of(userId))
        .map(rows -> {
          List<Long> users = new ArrayList<>();
          List<Long> boards = new ArrayList<>();
          rows.forEach(r -> ("user".equals(r.getString("kind")) ? users : boards).add(r.getLong("id")));
          return new Celebrities(users, boards);
        });
  }

  /** Pins a follower must lose on unfollowing a user: that user's pins not on a board the follower still follows. */
  public Future<List<Long>> pinsLeavingOnUnfollowUser(long followerId, long followeeId, int limit) {
    return ids("""
            SELECT id FROM pins WHERE owner_id = $2 AND deleted_at IS NULL
               AND board_id NOT IN (SELECT board_id FROM board_follows WHERE user_id = $1)
             ORDER BY id DESC LIMIT $3""", Tuple.of(followerId, followeeId, limit));
  }

  /** Pins a follower must lose on unfollowing a board: unless they are its owner or follow the owner. */
  public Future<List<Long>> pinsLeavingOnUnfollowBoard(long followerId, long boardId, int limit) {
    return ids("""
            SELECT p.id FROM pins p
             WHERE p.board_id = $2 AND p.deleted_at IS NULL AND p.owner_id <> $1
               AND NOT EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = p.owner_id)
             ORDER BY p.id DESC LIMIT $3""", Tuple.of(followerId, boardId, limit));
  }

  private Future<List<Long>> ids(String sql, Tuple args) {
    return pool.preparedQuery(sql).execute(args).map(FeedQueries::longs);
  }

  static List<Long> longs(RowSet<Row> rows) {
    List<Long> out = new ArrayList<>(rows.size());
    rows.forEach(r -> out.add(r.getLong(0)));
    return out;
  }
}
