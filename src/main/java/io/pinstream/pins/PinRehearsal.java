package io.pinstream.pins;

import io.pinstream.boards.BoardStore;
import io.pinstream.media.MediaStore;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Creates a pin on every pooled PostgreSQL connection before the node serves, in a transaction that is
 * rolled back: a user, a board and a photo of its own are inserted, then the board's ownership and the
 * photo are read and the pin is inserted through the stores the API uses ({@link BoardStore},
 * {@link MediaStore}, {@link PinStore}: the same statements, prepared on that connection). No row of it
 * is ever seen by anyone: uncommitted rows are invisible to other transactions, and nothing of it is
 * sent to Redis or to a live client.
 *
 * <p>Why: the first pin after a start met cold PostgreSQL backends. A new backend's first insert of a
 * pin loads the tables' and indexes' descriptions, plans the foreign keys' checks and compiles the
 * search trigger's PL/pgSQL: 6.8-7.7 ms against 1.2 ms the second time (psql), and some 25 ms through
 * the service, on whichever of the pool's connections the first pin got. With the first classes of the
 * write path loaded and linked on the way, that was part of why pin 1 after a reconnect wave was the
 * slowest pin of the live benchmark (BENCHMARKS.md, "Live push", round seven).
 */
public final class PinRehearsal {
  private static final Logger log = LoggerFactory.getLogger(PinRehearsal.class);
  private static final SecureRandom random = new SecureRandom();

  private PinRehearsal() {
  }

  /**
   * Runs the rehearsal on {@code connections} connections at once (so the pool opens that many, each
   * its own backend); completes with how many rehearsed. Never fails: a connection whose rehearsal goes
   * wrong is logged and left cold.
   */
  public static Future<Integer> run(Pool pool, int connections) {
    long started = System.nanoTime();
    List<Future<SqlConnection>> held = new ArrayList<>(connections);
    for (int i = 0; i < connections; i++) {
      held.add(pool.getConnection());
    }
    List<Future<Void>> rehearsals = held.stream()
        .map(acquired -> acquired.compose(conn -> rehearse(conn).eventually(conn::close)))
        .toList();
    return Future.join(rehearsals).transform(done -> {
      long failed = rehearsals.stream().filter(Future::failed).count();
      if (failed > 0) {
        log.warn("pin rehearsal failed on {} of {} connections (they start cold): {}", failed, connections,
            rehearsals.stream().filter(Future::failed).findFirst().orElseThrow().cause().toString());
      } else {
        log.info("pin rehearsal: a pin created and rolled back on {} PostgreSQL connections in {} ms", connections,
            (System.nanoTime() - started) / 1_000_000);
      }
      return Future.succeededFuture(connections - (int) failed);
    });
  }

  /** One connection: begin, the pin's way through the stores, roll back. */
  private static Future<Void> rehearse(SqlConnection conn) {
    // Names, words and the photo's SHA-256 of this connection's own: a unique value another transaction
    // also inserts would make one wait for the other (the search trigger adds the title's words).
    String word = hex(6);
    return conn.begin().compose(tx -> conn.preparedQuery("""
            WITH u AS (INSERT INTO users (username, display_name, password_hash)
                       VALUES ('rehearsal_' || $1, 'Rehearsal', '!') RETURNING id),
                 b AS (INSERT INTO boards (owner_id, name) SELECT id, $1 FROM u RETURNING id),
                 m AS (INSERT INTO media (sha256, format, bytes, width, height, uploaded_by)
                       SELECT $2, 'jpeg', 1, 1, 1, id FROM u RETURNING id)
            SELECT u.id, b.id, m.id FROM u, b, m""")
        .execute(Tuple.of(word, hex(32)))
        .compose(rows -> {
          var row = rows.iterator().next();
          long user = row.getLong(0);
          long board = row.getLong(1);
          long media = row.getLong(2);
          return new BoardStore(conn).owned(board, user)
              .compose(owned -> new MediaStore(conn).get(media))
              .compose(photo -> new PinStore(conn).insert(new PinStore.NewPin(board, user, media, word,
                  null, null, null, null, null), null));
        })
        .eventually(tx::rollback)
        .mapEmpty());
  }

  private static String hex(int bytes) {
    byte[] value = new byte[bytes];
    random.nextBytes(value);
    return HexFormat.of().formatHex(value);
  }
}
