package io.pinstream.search;

import io.pinstream.pins.Pin;
import io.pinstream.pins.PinEncoder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * The search queries. A pin's score blends, on one scale:
 * <pre>
 *   relevance  5 x ts_rank (weights title 1.0, board and shop name 0.4, description 0.2): a title word ~3
 *   saves      log10(1 + save_count): 10x the saves is worth 1
 *   freshness  years since 2025-01-01, from the pin's id: a year newer is worth 1
 * </pre>
 * The last two are {@code pin_search.static} (V15__pin_search_table.sql). Freshness is counted from a
 * fixed origin, not from now (as trending does), so scores do not drift as time passes.
 *
 * <p>Where: {@code pin_search}, one narrow row per live pin (id, static, tsvector), kept by triggers on
 * pins in the pin's own transaction, partitioned by id (= time, ~25 days a partition), each partition
 * with its own GIN index. Every match that is checked or ranked is a row read (a GIN index holds no
 * scores, and a phrase is checked on the row), and every GIN read decodes each word's posting list, so
 * the design is about reading few rows, narrow ones, and only the newest partitions' lists: a pins row
 * is ~490 bytes, a pin_search row ~300 (checking a row here cost a third to a half of checking it in
 * pins); two words in 10% and 7% of a million pins cost 13 ms to decode through one GIN index, before a
 * row was read, and a window of the newest 50,000 pins now decodes one or two partitions' share of it.
 *
 * <p>Which matches are ranked: the newest ones, found in windows of the newest pins that grow until
 * there are enough ({@link #WINDOWS}; their lower ids are read once a minute):
 * <ol>
 *   <li>the newest 2,000 pins, read newest first until {@link #CANDIDATES} match: all a word in a
 *       quarter of pins needs. What it finds also measures how common the query is (its share).</li>
 *   <li>a query in under {@link #COMMON_SHARE} of them ranks {@link #RARE_CANDIDATES} instead (so a
 *       search of it has at most that many results; the type-ahead ranks {@link #SUGGEST_CANDIDATES});</li>
 *   <li>a query in at least {@link #WALK_SHARE} of them ({@link #TYPED_WALK_SHARE} while typing): the
 *       next 48,000 pins, newest first, until enough match;</li>
 *   <li>a rarer one, or one still short: through GIN, all its matches in the next window (48,000, then
 *       200,000, then all older pins; a window skipped when the share, measured on at least
 *       {@link #CONFIDENT_PROBE} matches, says it would hold under {@link #GIN_MARGIN} x the missing
 *       ones; straight to all pins when the newest 2,000 held none), all ranked, the best kept, until
 *       enough. A rare query's matches are all ranked (exact).</li>
 * </ol>
 * Reading newest first costs ~0.4 us a row, so 1 / share of them per match; through GIN, the lists'
 * decoding plus a few us per match. The query's own share in the newest pins is a better guide than the
 * planner's estimate, which multiplies two words' shares as if independent and prices checking a row's
 * tsvector at almost nothing (it once read all 100,000 newest pins for two words that matched 368 of
 * them, 85 ms), so each statement's plan is fixed (SET LOCAL enable_bitmapscan or enable_indexscan
 * off), not chosen. The price: for a common word, a much-saved pin older than its newest matches is not
 * among the results; a query in under 5% of the newest pins has at most 200 results, not 500; in a
 * window read through GIN the best-scored matches are kept, not the newest.
 *
 * <p>The tsquery is written into each statement as a literal (escaped), not a parameter, and each
 * statement is planned with its window's bounds as literals (partitions pruned at planning): a generic
 * plan (a prepared statement, or PL/pgSQL functions, tried) cannot see the bounds and ANDed a
 * primary-key range bitmap into every GIN read, 70 ms for all pins. No statement uses parallel workers
 * or JIT compilation (SET LOCAL in the same simple query): starting workers or compiling cost more than
 * a search. A BRIN index on the id (the table is in id order) was tried for the windows: the planner put
 * its lossy bitmap first in the AND, which made every page with a match lossy, and all its ~30 rows
 * were re-checked.
 *
 * <p>Typos: when plain words (no "phrase", -exclusion or "or") find fewer than {@link #TYPO_BELOW}
 * pins, each word is widened with its three nearest words in {@code search_words} (edit distance,
 * fuzzystrmatch's levenshtein, among words with the same first letter and a length within 2, which
 * catches swapped letters, 'gnmoe'; and pg_trgm similarity, which catches a wrong first letter; on a
 * table of distinct words, not on a million pins' names) and the full-text query runs again; what it
 * adds ranks after every exact match. The near spellings are looked up and searched as soon as the
 * newest pins show the words are rare, while the exact words are still being searched among older pins.
 */
final class SearchStore {
  /** Typo matches are looked for when the exact words find fewer pins than this. */
  static final int TYPO_BELOW = 10;
  static final int CANDIDATES = 500;
  static final int SUGGEST_CANDIDATES = 100;
  /** Matches ranked for a query in under {@link #COMMON_SHARE} of the newest pins (costlier to find). */
  static final int RARE_CANDIDATES = 200;
  static final double COMMON_SHARE = 0.05;
  /** The windows of newest pins, smallest first. */
  static final int[] WINDOWS = {2_000, 50_000, 250_000};
  /** A query matching this share of the newest pins is read newest first beyond the first window too. */
  static final double WALK_SHARE = 0.01;
  /** The same for the type-ahead, whose prefix (san:*) is costly through GIN and which wants fewer matches. */
  static final double TYPED_WALK_SHARE = 0.0025;
  /** Matches in the first window from which its share is trusted to skip a window read through GIN. */
  static final int CONFIDENT_PROBE = 10;
  /** A window read through GIN should hold this many times the matches still missing, at the share measured. */
  static final double GIN_MARGIN = 1.2;
  private static final long FLOOR_TTL_MS = 60_000;
  private static final String SCORE = "5 * ts_rank('{0.1, 0.2, 0.4, 1.0}', ps.tsv, %1$s) + ps.static";
  private static final String SERIAL = "SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0; ";
  /** The first n matches in (lo, hi], newest first: the primary key walked backwards. */
  private static final String WALK = SERIAL + "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; "
      + "SELECT ps.pin_id, " + SCORE + " FROM pin_search ps"
      + " WHERE ps.pin_id > %2$d AND ps.pin_id <= %3$d AND ps.tsv @@ %1$s ORDER BY ps.pin_id DESC LIMIT %4$d";
  /** All matches in (lo, hi], through the GIN indexes of the partitions it spans, the best n kept. */
  private static final String GIN = SERIAL
      + "SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_seqscan = off; "
      + "SELECT ps.pin_id, " + SCORE + " AS score FROM pin_search ps"
      + " WHERE %2$s ps.tsv @@ %1$s ORDER BY score DESC, ps.pin_id DESC LIMIT %3$d";
  /**
   * Each word or one of its three nearest spellings in search_words, as a tsquery ($1: lower-case words):
   * edit distance first (at most 1 for words under 5 letters, else 2), then trigram similarity.
   */
  private static final String CORRECTED = """
      SELECT to_tsquery('english', coalesce(string_agg('(' || quote_literal(t.w) || coalesce(' | ' || (
                 SELECT string_agg(quote_literal(x.word), ' | ') FROM (
                   SELECT c.word FROM (
                       SELECT sw.word FROM search_words sw WHERE sw.word % t.w
                       UNION
                       SELECT sw.word FROM search_words sw
                        WHERE left(sw.word, 1) = left(t.w, 1)
                          AND char_length(sw.word) BETWEEN char_length(t.w) - 2 AND char_length(t.w) + 2
                          AND levenshtein(sw.word, t.w) <= CASE WHEN char_length(t.w) >= 5 THEN 2 ELSE 1 END) c
                    ORDER BY levenshtein(c.word, t.w), similarity(c.word, t.w) DESC, c.word LIMIT 3) x), '') || ')',
               ' & ' ORDER BY t.n), ''))::text
        FROM unnest(string_to_array($1, ' ')) WITH ORDINALITY AS t(w, n)""";
  private static final String FLOORS = "SELECT "
      + java.util.Arrays.stream(WINDOWS)
          .mapToObj(w -> "coalesce((SELECT pin_id FROM pin_search ORDER BY pin_id DESC OFFSET " + w + " LIMIT 1), 0)")
          .collect(java.util.stream.Collectors.joining(", "));

  private static final String ADD_PARTITIONS =
      "SELECT pin_search_add_partitions(search_id_now(), search_id_now() + (2::bigint << 43))";
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SearchStore.class);

  private final Pool pool;
  private final PinEncoder encoder;
  private volatile long[] floors;
  private volatile long floorsReadAt;
  private volatile boolean floorsReading;

  SearchStore(Pool pool, PinEncoder encoder) {
    this.pool = pool;
    this.encoder = encoder;
  }

  /** A ranked match. */
  private record Scored(long id, double score) {
  }

  private static final Comparator<Scored> BEST_FIRST =
      Comparator.comparingDouble(Scored::score).reversed().thenComparing(Comparator.comparingLong(Scored::id).reversed());

  /**
   * The ids of the best {@code limit} pins for the query, best first: exact matches, then (when those
   * are fewer than {@link #TYPO_BELOW}) typo matches. {@code typed}: the last word may be unfinished (then
   * typo matches only when nothing else is found, and fewer candidates are ranked).
   */
  Future<List<Long>> rank(SearchQuery query, boolean typed, int limit) {
    String words = typed ? query.typed() : query.words();
    int n = typed ? Math.max(SUGGEST_CANDIDATES, limit) : CANDIDATES;
    int enough = typed ? 1 : Math.min(TYPO_BELOW, limit);
    boolean mayCorrect = !query.typo().isEmpty();
    return floors().compose(f -> {
      String cjk = query.cjk().isEmpty() ? "" : " && to_tsquery('simple', " + literal(query.cjk()) + ")";
      Promise<List<Scored>> near = Promise.promise();
      AtomicBoolean started = new AtomicBoolean();
      // The near spellings: looked up, and searched, as soon as the newest pins show the words are rare,
      // while the exact words are still being searched among older pins (their result is dropped if the
      // exact words turn out to find enough).
      Runnable searchNear = () -> {
        if (mayCorrect && started.compareAndSet(false, true)) {
          correct(query.typo())
              .compose(tsq -> tsq == null || tsq.isEmpty()
                  ? Future.succeededFuture(List.<Scored>of())
                  : candidates("(" + literal(tsq) + "::tsquery" + cjk + ")", f, n, WALK_SHARE, probed -> { }))
              .onComplete(near);
        }
      };
      Future<List<Scored>> exact = words.isEmpty() && query.cjk().isEmpty()
          ? Future.succeededFuture(List.of())
          : candidates(tsquery(typed ? "to_tsquery('english', " : "websearch_to_tsquery('english', ", words, query.cjk()),
              f, n, typed ? TYPED_WALK_SHARE : WALK_SHARE, probed -> {
                // While typing, a near spelling only helps where the prefix finds nothing at all.
                if (probed < enough && !typed) {
                  searchNear.run();
                }
              });
      return exact.compose(found -> {
        List<Long> ids = found.stream().map(Scored::id).toList();
        if (found.size() >= enough || !mayCorrect) {
          return Future.succeededFuture(ids.subList(0, Math.min(limit, ids.size())));
        }
        searchNear.run(); // when not started yet
        return near.future().map(more -> {
          LinkedHashSet<Long> all = new LinkedHashSet<>(ids);
          more.forEach(s -> all.add(s.id()));
          List<Long> out = new ArrayList<>(all);
          return out.subList(0, Math.min(out.size(), limit));
        });
      });
    });
  }

  private Future<String> correct(String words) {
    return pool.preparedQuery(CORRECTED).execute(Tuple.of(words)).map(rows -> rows.iterator().next().getString(0));
  }

  /**
   * The best of the newest {@code n} (or so) matches of {@code tsquery}, ranked, best first (see the class
   * comment). {@code probed} hears how many the first window held, before the rest is searched.
   */
  private Future<List<Scored>> candidates(String tsquery, long[] f, int n, double walkShare, IntConsumer probed) {
    return scored(WALK.formatted(tsquery, f[0], Long.MAX_VALUE, n)).compose(newest -> {
      probed.accept(newest.size());
      double share = newest.size() / (double) WINDOWS[0];
      int target = share >= COMMON_SHARE ? n : Math.min(n, RARE_CANDIDATES);
      if (newest.size() >= target || f[0] == 0) {
        return Future.succeededFuture(sorted(newest));
      }
      if (share >= walkShare) {
        return scored(WALK.formatted(tsquery, f[1], f[0], target - newest.size()))
            .compose(next -> {
              List<Scored> all = new ArrayList<>(newest);
              all.addAll(next);
              return all.size() >= target || f[1] == 0 ? Future.succeededFuture(all) : throughGin(tsquery, f, 1, all, share, target);
            })
            .map(SearchStore::sorted);
      }
      return throughGin(tsquery, f, 0, new ArrayList<>(newest), share, target).map(SearchStore::sorted);
    });
  }

  /**
   * Adds the best matches of the pins below window {@code from}'s floor, through GIN, a window at a time
   * (see the class comment), until there are {@code n}.
   */
  private Future<List<Scored>> throughGin(String tsquery, long[] f, int from, List<Scored> found, double share, int n) {
    int missing = n - found.size();
    // Nothing in the newest pins: a rare query, whose matches are all ranked at once. Otherwise the next
    // window, or a larger one when the share measured says it would fall short; a share measured on a
    // few matches is rough, so the windows grow one at a time rather than jump to all pins.
    int to = share == 0 ? WINDOWS.length : from + 1;
    while (to < WINDOWS.length && share * (WINDOWS[to] - WINDOWS[from]) < GIN_MARGIN * missing
        && share * WINDOWS[0] >= CONFIDENT_PROBE) {
      to++;
    }
    long lo = to < WINDOWS.length ? f[to] : 0;
    int next = to;
    // When the newest pins held no match, all pins: no bounds at all (each costs planning time on every
    // partition, ~1 ms of ~3 for 26 partitions; the newest held nothing to count twice).
    String window = share == 0 && lo == 0 ? "" : range(lo, f[from]);
    return scored(GIN.formatted(tsquery, window, missing)).compose(more -> {
      found.addAll(more);
      return found.size() >= n || lo == 0 ? Future.succeededFuture(found) : throughGin(tsquery, f, next, found, share, n);
    });
  }

  /** {@code pin_id} in (lo, hi] as conditions followed by AND; no lower bound for lo 0 (ids are positive). */
  private static String range(long lo, long hi) {
    return (lo == 0 ? "" : "ps.pin_id > " + lo + " AND ") + "ps.pin_id <= " + hi + " AND";
  }

  private static List<Scored> sorted(List<Scored> all) {
    List<Scored> out = new ArrayList<>(all);
    out.sort(BEST_FIRST);
    return out;
  }

  /** Runs the SET LOCALs and the SELECT of one statement as one simple query (one transaction); the SELECT's rows. */
  private Future<List<Scored>> scored(String sql) {
    return pool.query(sql).execute().map(set -> {
      RowSet<Row> rows = set;
      while (rows.next() != null) {
        rows = rows.next();
      }
      List<Scored> out = new ArrayList<>(rows.size());
      rows.forEach(row -> out.add(new Scored(row.getLong(0), row.getDouble(1))));
      return out;
    });
  }

  /** The statements of a search, by what they do, for EXPLAIN (SearchBenchmark); each is SET LOCALs then a SELECT. */
  static Map<String, String> rankSql(String tsquery, long[] f) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("newest " + WINDOWS[0] + " pins, newest first", WALK.formatted(tsquery, f[0], Long.MAX_VALUE, CANDIDATES));
    out.put("next " + (WINDOWS[1] - WINDOWS[0]) + ", newest first", WALK.formatted(tsquery, f[1], f[0], CANDIDATES));
    out.put("next " + (WINDOWS[1] - WINDOWS[0]) + " through GIN", GIN.formatted(tsquery, range(f[1], f[0]), CANDIDATES));
    out.put("all older than the newest " + WINDOWS[0] + " through GIN", GIN.formatted(tsquery, range(0, f[0]), CANDIDATES));
    return out;
  }

  /** The windows' floors now, for EXPLAIN (SearchBenchmark). */
  static String floorsSql() {
    return FLOORS;
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
   * The lowest ids of the {@link #WINDOWS} (0 where there are fewer pins): read at most once a minute
   * (index-only walks), the old values used meanwhile.
   */
  private Future<long[]> floors() {
    long now = System.currentTimeMillis();
    long[] known = floors;
    if (known != null && (now - floorsReadAt < FLOOR_TTL_MS || floorsReading)) {
      return Future.succeededFuture(known);
    }
    floorsReading = true;
    // Partitions for the next weeks' pins, made before they arrive (V15__pin_search_table.sql).
    Future<long[]> read = pool.query(ADD_PARTITIONS).execute()
        .onFailure(e -> log.warn("search: cannot add pin_search partitions: {}", e.getMessage()))
        .otherwise((RowSet<Row>) null)
        .compose(ignored -> pool.query(FLOORS).execute())
        .map(rows -> {
          Row row = rows.iterator().next();
          long[] f = new long[WINDOWS.length];
          for (int i = 0; i < f.length; i++) {
            f[i] = row.getLong(i);
          }
          return f;
        })
        .onComplete(r -> floorsReading = false)
        .onSuccess(f -> {
          floors = f;
          floorsReadAt = System.currentTimeMillis();
        });
    return known == null ? read : Future.succeededFuture(known);
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
}
