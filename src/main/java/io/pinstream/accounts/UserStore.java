package io.pinstream.accounts;

import io.pinstream.common.Problems;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/** Users and the follow graph between them. Counters move in the same statement as the follow row. */
public final class UserStore {
  private final Pool pool;

  public UserStore(Pool pool) {
    this.pool = pool;
  }

  /** A user with the password hash, for logging in. */
  public record Credentials(User user, String passwordHash) {
  }

  /** One row of a followers/following list: the user, and the follow's id as the paging cursor. */
  public record Listed(User user, long cursor) {
  }

  public Future<User> create(String username, String displayName, String passwordHash) {
    return pool.preparedQuery("""
            INSERT INTO users AS u (username, display_name, password_hash) VALUES ($1, $2, $3)
            RETURNING""" + " " + User.COLUMNS)
        .execute(Tuple.of(username, displayName, passwordHash))
        .map(rows -> User.from(rows.iterator().next()))
        .recover(e -> e instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? Future.failedFuture(Problems.conflict("username_taken", "The username " + username + " is taken"))
            : Future.failedFuture(e));
  }

  public Future<Credentials> credentials(String username) {
    return pool.preparedQuery("SELECT " + User.COLUMNS + ", u.password_hash FROM users u WHERE u.username = $1")
        .execute(Tuple.of(username))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row row = rows.iterator().next();
          return new Credentials(User.from(row), row.getString("password_hash"));
        });
  }

  public Future<User> byUsername(String username) {
    return pool.preparedQuery("SELECT " + User.COLUMNS + " FROM users u WHERE u.username = $1")
        .execute(Tuple.of(username))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(Problems.notFound("user_not_found", "No user named " + username))
            : Future.succeededFuture(User.from(rows.iterator().next())));
  }

  /** Whether {@code followerId} follows {@code followeeId}. */
  public Future<Boolean> follows(long followerId, long followeeId) {
    return pool.preparedQuery("SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2")
        .execute(Tuple.of(followerId, followeeId))
        .map(rows -> rows.size() > 0);
  }

  /** Idempotent: following twice changes nothing the second time. */
  public Future<Void> follow(long followerId, long followeeId) {
    return pool.preparedQuery("""
            WITH changed AS (
              INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)
              ON CONFLICT DO NOTHING RETURNING 1)
            UPDATE users
               SET follower_count  = follower_count  + CASE WHEN id = $2 THEN 1 ELSE 0 END,
                   following_count = following_count + CASE WHEN id = $1 THEN 1 ELSE 0 END
             WHERE id IN ($1, $2) AND EXISTS (SELECT 1 FROM changed)""")
        .execute(Tuple.of(followerId, followeeId))
        .mapEmpty();
  }

  public Future<Void> unfollow(long followerId, long followeeId) {
    return pool.preparedQuery("""
            WITH changed AS (
              DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING 1)
            UPDATE users
               SET follower_count  = follower_count  - CASE WHEN id = $2 THEN 1 ELSE 0 END,
                   following_count = following_count - CASE WHEN id = $1 THEN 1 ELSE 0 END
             WHERE id IN ($1, $2) AND EXISTS (SELECT 1 FROM changed)""")
        .execute(Tuple.of(followerId, followeeId))
        .mapEmpty();
  }

  public Future<List<Listed>> followers(long userId, Long before, int limit) {
    return list("f.follower_id", "f.followee_id", userId, before, limit);
  }

  public Future<List<Listed>> following(long userId, Long before, int limit) {
    return list("f.followee_id", "f.follower_id", userId, before, limit);
  }

  private Future<List<Listed>> list(String listedColumn, String ownerColumn, long userId, Long before, int limit) {
    return pool.preparedQuery("SELECT f.id AS cursor, " + User.COLUMNS + " FROM follows f JOIN users u ON u.id = "
            + listedColumn + " WHERE " + ownerColumn + " = $1 AND ($2::bigint IS NULL OR f.id < $2)"
            + " ORDER BY f.id DESC LIMIT $3")
        .execute(Tuple.of(userId, before, limit))
        .map(UserStore::listed);
  }

  private static List<Listed> listed(RowSet<Row> rows) {
    List<Listed> out = new ArrayList<>(rows.size());
    rows.forEach(row -> out.add(new Listed(User.from(row), row.getLong("cursor"))));
    return out;
  }
}
