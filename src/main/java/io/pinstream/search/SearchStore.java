package io.pinstream.search;

import io.pinstream.pins.Pin;
import io.pinstream.pins.PinEncoder;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The search queries. A pin's score blends, on one scale:
 * <pre>
 *   relevance  5 x ts_rank (weights title 1.0, board and shop name 0.4, description 0.2): a title word ~3
 *   saves      log10(1 + save_count): 10x the saves is worth 1
 *   freshness  years since 2025-01-01, from the pin's id: a year newer is worth 1
 * </pre>
 * The last two are the pin's {@code search_static} column (V10__search.sql). Freshness is counted from
 * a fixed origin, not from now (as trending does), so scores do not drift as time passes.
 *
 * <p>Ranking every match of a word found in half of all pins would read half the table, so a query
 * ranks at most the {@link #CANDIDATES} matches with the best {@code search_static}. PostgreSQL picks
 * the way to find them from its statistics of the words: for a rare word, every match from the GIN
 * index (all of them are then ranked: exact); for a common word, the static-score index read in order,
 * keeping matches until it has enough (a word in 1 pin of 10 stops after ~10,000 rows).
 *
 * <p>Typo matches (pg_trgm word similarity against title, board and shop names) are looked for only
 * when the words find fewer than {@link #TYPO_BELOW} pins, and rank after every exact match.
 */
final class SearchStore {
  /** Typo matches are looked for when the exact words find fewer pins than this. */
  static final int TYPO_BELOW = 10;
  static final int CANDIDATES = 1000;
  static final double TYPO_THRESHOLD = 0.5;
  private static final String EXACT = """
      SELECT c.id FROM (
          SELECT p.id, p.search_tsv, p.search_static FROM pins p, (SELECT %1$s AS q) s
           WHERE p.deleted_at IS NULL AND p.search_tsv @@ s.q
           ORDER BY p.search_static DESC, p.id DESC
           LIMIT %2$d) c, (SELECT %1$s AS q) s
       ORDER BY 5 * ts_rank('{0.1, 0.2, 0.4, 1.0}', c.search_tsv, s.q) + c.search_static DESC, c.id DESC
       LIMIT $3""";
  private static final String TYPO = """
      SELECT c.id FROM (
          SELECT p.id, p.search_names, p.search_static FROM pins p
           WHERE p.deleted_at IS NULL AND $1 <%% p.search_names
           ORDER BY p.search_static DESC, p.id DESC
           LIMIT %d) c
       ORDER BY 5 * word_similarity($1, c.search_names) + c.search_static DESC, c.id DESC
       LIMIT $2""".formatted(CANDIDATES);
  /** The words as typed in a search box (websearch syntax), and the CJK phrases. */
  private static final String SEARCH = EXACT.formatted(
      "CASE WHEN $1 = '' THEN to_tsquery('simple', $2) WHEN $2 = '' THEN websearch_to_tsquery('english', $1)"
          + " ELSE websearch_to_tsquery('english', $1) && to_tsquery('simple', $2) END", CANDIDATES);
  /** The words with the last one also as a prefix, and the CJK phrases. */
  private static final String TYPED = EXACT.formatted(
      "CASE WHEN $1 = '' THEN to_tsquery('simple', $2) WHEN $2 = '' THEN to_tsquery('english', $1)"
          + " ELSE to_tsquery('english', $1) && to_tsquery('simple', $2) END", CANDIDATES);

  private final Pool pool;
  private final PinEncoder encoder;

  SearchStore(Pool pool, PinEncoder encoder) {
    this.pool = pool;
    this.encoder = encoder;
  }

  /**
   * The ids of the best {@code limit} pins for the query, best first: exact matches, then (when those
   * are fewer than {@link #TYPO_BELOW}) typo matches. {@code typed}: the last word may be unfinished (then
   * typo matches only when nothing else is found).
   */
  Future<List<Long>> rank(SearchQuery query, boolean typed, int limit) {
    String words = typed ? query.typed() : query.words();
    Future<List<Long>> exact = words.isEmpty() && query.cjk().isEmpty()
        ? Future.succeededFuture(List.of())
        : ids(pool.preparedQuery(typed ? TYPED : SEARCH).execute(Tuple.of(words, query.cjk(), limit)));
    return exact.compose(found -> {
      // While typing, a near spelling only helps where the prefix finds nothing at all.
      if (found.size() >= (typed ? 1 : Math.min(TYPO_BELOW, limit)) || query.typo().isEmpty()) {
        return Future.succeededFuture(found);
      }
      // pg_trgm's default threshold (0.6) misses one wrong letter in a six-letter word ("sweter": 0.5).
      Future<List<Long>> typos = pool.withTransaction(conn -> conn.query("SET LOCAL pg_trgm.word_similarity_threshold = "
              + TYPO_THRESHOLD).execute()
          .compose(v -> ids(conn.preparedQuery(TYPO).execute(Tuple.of(query.typo(), limit)))));
      return typos.map(near -> {
        LinkedHashSet<Long> all = new LinkedHashSet<>(found);
        all.addAll(near);
        return new ArrayList<>(all).subList(0, Math.min(all.size(), limit));
      });
    });
  }

  /** The pins of these ids as their API JSON, in this order; deleted ones left out (they vanish at once). */
  Future<List<byte[]>> pins(List<Long> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return pool.preparedQuery(Pin.SELECT + " WHERE p.id = ANY($1) AND p.deleted_at IS NULL")
        .execute(Tuple.tuple().addArrayOfLong(ids.toArray(Long[]::new)))
        .map(rows -> {
          Map<Long, byte[]> byId = new HashMap<>();
          for (Row row : rows) {
            Pin pin = Pin.from(row);
            byId.put(pin.id(), encoder.encode(pin));
          }
          List<byte[]> out = new ArrayList<>(ids.size());
          for (Long id : ids) {
            byte[] json = byId.get(id);
            if (json != null) {
              out.add(json);
            }
          }
          return out;
        });
  }

  private static Future<List<Long>> ids(Future<io.vertx.sqlclient.RowSet<Row>> rows) {
    return rows.map(set -> {
      List<Long> out = new ArrayList<>(set.size());
      set.forEach(row -> out.add(row.getLong(0)));
      return out;
    });
  }
}
