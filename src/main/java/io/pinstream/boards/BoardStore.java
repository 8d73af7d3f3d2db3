package io.pinstream.boards;

import io.pinstream.common.Problems;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

public final class BoardStore {
  private static final String SELECT = "SELECT " + Board.COLUMNS + " FROM boards b JOIN users u ON u.id = b.owner_id ";
  private final SqlClient pool;

  public BoardStore(SqlClient pool) {
    this.pool = pool;
  }

  /**
   * @param creationKey from {@code web.IdempotencyKeys#creationKey} (or null): when an earlier attempt
   *                    with it committed after its answer was lost, that board is the answer
   */
  public Future<Board> create(long ownerId, String name, String description, Buffer creationKey) {
    return pool.preparedQuery("""
            WITH b AS (INSERT INTO boards (owner_id, name, description, creation_key) VALUES ($1, $2, $3, $4)
                       RETURNING *)
            SELECT""" + " " + Board.COLUMNS + " FROM b JOIN users u ON u.id = b.owner_id")
        .execute(Tuple.of(ownerId, name, description, creationKey))
        .map(rows -> Board.from(rows.iterator().next()))
        .recover(e -> e instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? createdWith(creationKey).compose(earlier -> earlier != null ? Future.succeededFuture(earlier)
                : Future.failedFuture(Problems.conflict("board_name_taken", "You already have a board named " + name)))
            : Future.failedFuture(e));
  }

  private Future<Board> createdWith(Buffer creationKey) {
    return creationKey == null ? Future.succeededFuture() : pool.preparedQuery(SELECT + "WHERE b.creation_key = $1")
        .execute(Tuple.of(creationKey))
        .map(rows -> rows.size() == 0 ? null : Board.from(rows.iterator().next()));
  }

  public Future<Board> get(long id) {
    return pool.preparedQuery(SELECT + "WHERE b.id = $1")
        .execute(Tuple.of(id))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(Problems.notFound("board_not_found", "No board with id " + id))
            : Future.succeededFuture(Board.from(rows.iterator().next())));
  }

  /** The board, if {@code userId} owns it: 404 when it does not exist, 403 when it is someone else's. */
  public Future<Board> owned(long id, long userId) {
    return get(id).compose(board -> board.owner().id() == userId
        ? Future.succeededFuture(board)
        : Future.failedFuture(Problems.forbidden("not_board_owner", "Board " + id + " belongs to someone else")));
  }

  public Future<List<Board>> byOwner(long ownerId, Long before, int limit) {
    return pool.preparedQuery(SELECT + "WHERE b.owner_id = $1 AND ($2::bigint IS NULL OR b.id < $2) ORDER BY b.id DESC LIMIT $3")
        .execute(Tuple.of(ownerId, before, limit))
        .map(rows -> {
          List<Board> out = new ArrayList<>(rows.size());
          for (Row row : rows) {
            out.add(Board.from(row));
          }
          return out;
        });
  }

  /** Whether the user follows the board. */
  public Future<Boolean> followedBy(long userId, long boardId) {
    return pool.preparedQuery("SELECT 1 FROM board_follows WHERE user_id = $1 AND board_id = $2")
        .execute(Tuple.of(userId, boardId))
        .map(rows -> rows.size() > 0);
  }

  public Future<Void> follow(long userId, long boardId) {
    return pool.preparedQuery("""
            WITH changed AS (
              INSERT INTO board_follows (user_id, board_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1)
            UPDATE boards SET follower_count = follower_count + 1
             WHERE id = $2 AND EXISTS (SELECT 1 FROM changed)""")
        .execute(Tuple.of(userId, boardId))
        .mapEmpty();
  }

  public Future<Void> unfollow(long userId, long boardId) {
    return pool.preparedQuery("""
            WITH changed AS (DELETE FROM board_follows WHERE user_id = $1 AND board_id = $2 RETURNING 1)
            UPDATE boards SET follower_count = follower_count - 1
             WHERE id = $2 AND EXISTS (SELECT 1 FROM changed)""")
        .execute(Tuple.of(userId, boardId))
        .mapEmpty();
  }
}
