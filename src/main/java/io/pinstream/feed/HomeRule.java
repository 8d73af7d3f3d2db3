package io.pinstream.feed;

import java.util.Arrays;

/**
 * Who sees a pin in their home feed, written once: a pin is in a user's home feed when the user made
 * it, follows the user who made it, or follows the board it is on. The same rule read three ways:
 * <ul>
 *   <li>{@link #HOME}: the pins of a user's home feed (reads, and rebuilding a lost feed);</li>
 *   <li>{@link #AUDIENCE}: the users whose home feeds a new pin goes to (fan-out);</li>
 *   <li>{@link #SOURCES} and {@link Sources#shows}: whether a live home subscription gets a pin.</li>
 * </ul>
 */
public final class HomeRule {
  private HomeRule() {
  }

  /**
   * $1 user, $2 exclusive upper pin id, $3 limit: three index-friendly branches (each newest first,
   * limited) instead of one OR that the planner cannot serve from an index.
   */
  static final String HOME = """
      SELECT id FROM (
        (SELECT id FROM pins WHERE owner_id = $1 AND deleted_at IS NULL AND id < $2 ORDER BY id DESC LIMIT $3)
        UNION
        (SELECT p.id FROM follows f CROSS JOIN LATERAL (
           SELECT id FROM pins WHERE owner_id = f.followee_id AND deleted_at IS NULL AND id < $2
            ORDER BY id DESC LIMIT $3) p
          WHERE f.follower_id = $1)
        UNION
        (SELECT p.id FROM board_follows bf CROSS JOIN LATERAL (
           SELECT id FROM pins WHERE board_id = bf.board_id AND deleted_at IS NULL AND id < $2
            ORDER BY id DESC LIMIT $3) p
          WHERE bf.user_id = $1)
      ) home ORDER BY id DESC LIMIT $3""";

  /**
   * $1 the pin's owner, $2 its board; $3, $4: skip a celebrity owner's, a celebrity board's followers
   * (their pins are merged at read time instead).
   */
  static final String AUDIENCE = """
      SELECT $1::bigint
      UNION ALL SELECT follower_id FROM follows WHERE followee_id = $1 AND NOT $3
      UNION ALL SELECT user_id FROM board_follows WHERE board_id = $2 AND NOT $4""";

  /** $1 user: (true, a followed user) and (false, a followed board) rows. */
  static final String SOURCES = """
      SELECT true, followee_id FROM follows WHERE follower_id = $1
      UNION ALL SELECT false, board_id FROM board_follows WHERE user_id = $1""";

  /** Whose pins one user's home feed shows: the user and the users they follow (sorted), the boards they follow (sorted). */
  public record Sources(long[] users, long[] boards) {
    public static final Sources NONE = new Sources(new long[0], new long[0]);

    static Sources of(long viewer, long[] followedUsers, long[] followedBoards) {
      long[] users = Arrays.copyOf(followedUsers, followedUsers.length + 1);
      users[followedUsers.length] = viewer;
      Arrays.sort(users);
      long[] boards = followedBoards.clone();
      Arrays.sort(boards);
      return new Sources(users, boards);
    }

    public boolean shows(long ownerId, long boardId) {
      return Arrays.binarySearch(users, ownerId) >= 0 || Arrays.binarySearch(boards, boardId) >= 0;
    }
  }
}
