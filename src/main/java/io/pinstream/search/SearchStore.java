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
 * <p>Which matches are ranked. Every match has to be read from the table (a GIN index holds no
 * scores), and a word found in 5% of a million pins has 50,000 of them, on as many pages. So a query
 * ranks at most {@link #CANDIDATES} matches: the newest ones among the newest {@link #RECENT_WINDOW}
 * pins (the pages a live table wrote last, which stay cached), found either by reading those pins
 * newest first until enough match (a common word: a few hundred rows) or through the GIN index
 * intersected with that id range (a rarer word), as PostgreSQL's statistics of the words suggest. Only a
 * word too rare to fill them there (under 1 pin in 200) is looked up among the older pins too, where
 * all its matches are ranked: exact. The price: for a common word, a much-saved pin older than its
 * newest 500 matches is not among the results.
 *
 * <p>Typos: when plain words (no "phrase", -exclusion or "or") find fewer than {@link #TYPO_BELOW}
 * pins, each word is widened with its three most similar words in {@code search_words} (pg_trgm
 * similarity on a table of distinct words, not on a million pins' names) and the full-text query runs
 * again; what it adds ranks after every exact match.
 */
final class SearchStore {
  /** Typo matches are looked for when the exact words find fewer pins than this. */
  static final int TYPO_BELOW = 10;
  static final int CANDIDATES = 500;
  /** The newest pins that a query reads in id order before it asks the GIN index. */
  static final int RECENT_WINDOW = 100_000;
  private static final long FLOOR_TTL_MS = 60_000;
  /**
   * %1$s: the tsquery, written with literals (not parameters), so that PostgreSQL plans each query with
   * its statistics of these very words: reading the newest pins in id order until enough match suits a
   * common word, asking the GIN index suits a rare one, and a prepared statement's generic plan cannot
   * tell them apart. The "+ 0" keeps the older matches from being looked for by walking an index in
   * score order (a random read per pin) instead of through the GIN index. search_serial(): no parallel
   * workers (V10__search.sql).
   */
  private static final String RECENT = """
      WITH s AS MATERIALIZED (SELECT %1$s AS q WHERE search_serial()),
      c AS (SELECT p.id, p.search_tsv, p.search_static FROM pins p
             WHERE p.id > %3$d AND p.deleted_at IS NULL AND p.search_tsv @@ %1$s
             ORDER BY p.id DESC LIMIT %2$d)
      SELECT c.id FROM c, s
       ORDER BY 5 * ts_rank('{0.1, 0.2, 0.4, 1.0}', c.search_tsv, s.q) + c.search_static DESC, c.id DESC""";
  /** %4$s: the recent matches' ids (a literal array), %5$d: how many older ones are wanted. */
  private static final String WITH_OLDER = """
      WITH s AS MATERIALIZED (SELECT %1$s AS q WHERE search_serial()),
      older AS (SELECT p.id, p.search_tsv, p.search_static FROM pins p
                 WHERE p.id <= %3$d AND p.deleted_at IS NULL AND p.search_tsv @@ %1$s
                 ORDER BY p.search_static + 0 DESC LIMIT %5$d),
      recent AS (SELECT p.id, p.search_tsv, p.search_static FROM pins p WHERE p.id = ANY (%4$s::bigint[]))
      SELECT c.id FROM (SELECT * FROM recent UNION ALL SELECT * FROM older) c, s
       ORDER BY 5 * ts_rank('{0.1, 0.2, 0.4, 1.0}', c.search_tsv, s.q) + c.search_static DESC, c.id DESC""";
  /** Each word or one of its three nearest spellings in search_words, as a tsquery ($1: lower-case words). */
  private static final String CORRECTED = """
      SELECT to_tsquery('english', coalesce(string_agg('(' || quote_literal(t.w) || coalesce(' | ' || (
                 SELECT string_agg(quote_literal(x.word), ' | ') FROM (
                   SELECT sw.word FROM search_words sw WHERE sw.word % t.w
                    ORDER BY similarity(sw.word, t.w) DESC, sw.word LIMIT 3) x), '') || ')', ' & ' ORDER BY t.n), ''))::text
        FROM unnest(string_to_array($1, ' ')) WITH ORDINALITY AS t(w, n)""";

  private final Pool pool;
  private final PinEncoder encoder;
  private volatile long floor;
  private volatile long floorReadAt;
  private volatile boolean floorReading;

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
    return recentFloor().compose(floor -> {
      Future<List<Long>> exact = words.isEmpty() && query.cjk().isEmpty()
          ? Future.succeededFuture(List.of())
          : run(tsquery(typed ? "to_tsquery('english', " : "websearch_to_tsquery('english', ", words, query.cjk()),
              floor, limit);
      return exact.compose(found -> {
        // While typing, a near spelling only helps where the prefix finds nothing at all.
        if (found.size() >= (typed ? 1 : Math.min(TYPO_BELOW, limit)) || query.typo().isEmpty()) {
          return Future.succeededFuture(found);
        }
        return pool.preparedQuery(CORRECTED).execute(Tuple.of(query.typo()))
            .compose(rows -> {
              String corrected = rows.iterator().next().getString(0);
              if (corrected == null || corrected.isEmpty()) {
                return Future.succeededFuture(List.<Long>of());
              }
              String cjk = query.cjk().isEmpty() ? "" : " && to_tsquery('simple', " + literal(query.cjk()) + ")";
              return run("(" + literal(corrected) + "::tsquery" + cjk + ")", floor, limit);
            })
            .map(near -> {
              LinkedHashSet<Long> all = new LinkedHashSet<>(found);
              all.addAll(near);
              return new ArrayList<>(all).subList(0, Math.min(all.size(), limit));
            });
      });
    });
  }

  /**
   * The best matches, at most {@link #CANDIDATES}, ranked, cut to {@code limit}: the newest matches
   * among the newest {@link #RECENT_WINDOW} pins first; only when those are too few, the older matches
   * too (a second statement, so that a common word's query is never planned, and JIT-compiled, with a
   * scan of older pins that it does not run).
   */
  private Future<List<Long>> run(String tsquery, long floor, int limit) {
    return ids(pool.query(RECENT.formatted(tsquery, CANDIDATES, floor)).execute()).compose(recent -> {
      if (recent.size() >= CANDIDATES || floor == 0) {
        return Future.succeededFuture(recent.subList(0, Math.min(limit, recent.size())));
      }
      String ids = recent.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",", "'{", "}'"));
      return ids(pool.query(WITH_OLDER.formatted(tsquery, CANDIDATES, floor, ids, CANDIDATES - recent.size())).execute())
          .map(all -> all.subList(0, Math.min(limit, all.size())));
    });
  }

  /** The statements of a search, for EXPLAIN (SearchBenchmark): the recent matches, and with the older ones. */
  static List<String> rankSql(String tsquery, long floor) {
    return List.of(RECENT.formatted(tsquery, CANDIDATES, floor),
        WITH_OLDER.formatted(tsquery, CANDIDATES, floor, "'{}'", CANDIDATES));
  }

  /** The words through {@code parser} ("websearch_to_tsquery('english', " or "to_tsquery('english', ") and/or the CJK phrases. */
  private static String tsquery(String parser, String words, String cjk) {
    String latin = words.isEmpty() ? null : parser + literal(words) + ")";
    String phrases = cjk.isEmpty() ? null : "to_tsquery('simple', " + literal(cjk) + ")";
    return latin == null ? phrases : phrases == null ? latin : "(" + latin + " && " + phrases + ")";
  }

  /**
   * A SQL string literal, escaped whatever standard_conforming_strings says (E'' with the backslash and
   * the quote doubled); the query text has no control characters, NUL included ({@link SearchQuery#parse}).
   */
  static String literal(String text) {
    return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
  }

  /**
   * The id below which pins are older than the newest {@link #RECENT_WINDOW}: read at most once a minute
   * (an index-only walk), the old value used meanwhile.
   */
  private Future<Long> recentFloor() {
    long now = System.currentTimeMillis();
    if (floorReadAt != 0 && now - floorReadAt < FLOOR_TTL_MS) {
      return Future.succeededFuture(floor);
    }
    if (floorReadAt != 0 && floorReading) {
      return Future.succeededFuture(floor);
    }
    floorReading = true;
    Future<Long> read = pool.preparedQuery("SELECT coalesce((SELECT id FROM pins ORDER BY id DESC OFFSET $1 LIMIT 1), 0)")
        .execute(Tuple.of(RECENT_WINDOW))
        .map(rows -> rows.iterator().next().getLong(0))
        .onComplete(r -> floorReading = false)
        .onSuccess(f -> {
          floor = f;
          floorReadAt = System.currentTimeMillis();
        });
    return floorReadAt == 0 ? read : Future.succeededFuture(floor);
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
