package io.pinstream.bench;

import io.pinstream.search.SearchService;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Search over a million pins made in SQL ({@code bench/search-corpus.sql}), measured over HTTP with a
 * mix of queries next to two baselines on the same server in the same run: {@code GET /health} and
 * {@code GET /api/v1/pins/{id}} (one primary-key read and the pin's JSON).
 *
 * <p>Kinds: a common word (in 10-70% of pins), a rare word, a misspelt word (the typo path), a Chinese
 * word (found inside titles), several words, the next page (following a bookmark), and the type-ahead.
 * Every first-page query text is sent once in a run (a stop word added or moved makes another text
 * with the same meaning), so no first page is answered from another request's shared snapshot: every
 * one is ranked by PostgreSQL.
 * <pre>
 * flock /tmp/pinstream-heavy.lock mvn -q -o test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.pinstream.bench.SearchBenchmark [-Dpins=1000000 -Drounds=3 -Dseconds=40 -Dclients=4]
 * </pre>
 * With {@code -Dbench.db=NAME} the corpus is made in that database and kept; a later run with the same
 * name finds it there (migrated to the current schema at start) and does not make it again.
 */
public final class SearchBenchmark {
  private static final int PINS = Integer.getInteger("pins", 1_000_000);
  private static final int ROUNDS = Integer.getInteger("rounds", 3);
  private static final int SECONDS = Integer.getInteger("seconds", 40);
  private static final int CLIENTS = Integer.getInteger("clients", 4);

  private static final List<String> COMMON = List.of("dress", "summer", "vintage", "floral", "linen", "cotton",
      "wedding", "boho", "casual", "black", "white", "red", "blue", "green", "pink", "outfit", "style", "fashion");
  private static final List<String> RARE = List.of("eucalyptus", "terracotta", "peony", "lavender", "monstera",
      "succulent", "groom", "tuxedo", "barber", "piercing", "tattoo", "beard", "grooming", "chinos", "blazer",
      "menswear", "bridesmaid", "veil", "playroom", "toddler", "nursery", "athleisure", "tracksuit", "sweatpants");
  private static final List<String> MID = List.of("sweater", "cardigan", "jacket", "denim", "sneakers", "sandals",
      "handbag", "necklace", "earrings", "bracelet", "lipstick", "mascara", "perfume", "bedroom", "kitchen",
      "bathroom", "armchair", "bookcase", "pendant", "curtain", "blanket", "ceramic", "walnut", "marble", "rattan",
      "velvet", "leather", "scandinavian", "farmhouse", "industrial", "minimalist", "elegant", "cottage");
  private static final List<String> CHINESE = List.of("连衣裙", "复古", "夏季", "毛衣", "口红", "沙发", "北欧", "客厅",
      "卧室", "手工", "陶瓷", "花瓶", "耳环", "项链", "牛仔裤", "外套", "针织", "真丝", "法式", "大理石", "高级感", "碎花连衣裙");
  private static final List<String> STOP = List.of("the", "a", "an", "of", "for", "with", "and", "in", "on", "my",
      "to", "is", "it", "this", "that", "at", "by", "from", "our", "your", "their", "its", "be", "as", "or", "me",
      "we", "so", "up", "out", "all", "any", "some", "very", "just", "too", "here", "there", "about", "into");

  private record Sample(String kind, double ms) {
  }

  public static void main(String[] args) throws Exception {
    try (BenchApp bench = new BenchApp(json -> {
      json.getJsonObject("pg").put("pool_size", 8);
      json.getJsonObject("http").put("port", Integer.getInteger("port", 0));
      json.getJsonObject("management").put("port", Integer.getInteger("managementPort", 0));
    })) {
      long t0 = System.nanoTime();
      if (bench.keptDatabase && corpusSize(bench) >= PINS) {
        System.out.printf("corpus: %,d pins kept from an earlier run (-Dbench.db)%n", corpusSize(bench));
        warm(bench);
      } else {
        load(bench);
        System.out.printf("corpus: %,d pins made in SQL in %.0f s%n", PINS, (System.nanoTime() - t0) / 1e9);
      }
      explain(bench);
      List<String> pinIds = samplePins(bench);
      Set<String> sent = ConcurrentHashMap.newKeySet();
      System.out.println("warm-up round (not counted)");
      round(bench, pinIds, sent, Math.min(SECONDS, 20));
      Map<String, List<double[]>> byKind = new LinkedHashMap<>();
      for (int r = 1; r <= ROUNDS; r++) {
        List<Sample> samples = round(bench, pinIds, sent, SECONDS);
        System.out.printf("round %d of %d: %,d requests%n", r, ROUNDS, samples.size());
        Map<String, List<Double>> grouped = new LinkedHashMap<>();
        for (Sample s : samples) {
          grouped.computeIfAbsent(s.kind, k -> new ArrayList<>()).add(s.ms);
        }
        double baseP50 = BenchApp.median(grouped.get("baseline: pin by id"));
        double baseP99 = BenchApp.percentile(grouped.get("baseline: pin by id"), 99);
        for (var e : grouped.entrySet()) {
          double p50 = BenchApp.median(e.getValue());
          double p99 = BenchApp.percentile(e.getValue(), 99);
          byKind.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
              .add(new double[]{p50, p99, e.getValue().size(), p50 / baseP50, p99 / baseP99});
          System.out.printf("  %-26s n=%6d  p50 %6.2f ms  p99 %6.2f ms  (x%.1f / x%.1f of pin by id)%n",
              e.getKey(), e.getValue().size(), p50, p99, p50 / baseP50, p99 / baseP99);
        }
      }
      System.out.printf("%nmedians of %d rounds (%d clients, %d s each, %,d pins):%n", ROUNDS, CLIENTS, SECONDS, PINS);
      System.out.println("| kind | requests/round | p50 ms | p99 ms | p50 / pin-by-id p50 | p99 / pin-by-id p99 |");
      System.out.println("|---|---|---|---|---|---|");
      for (var e : byKind.entrySet()) {
        System.out.printf("| %s | %.0f | %.2f | %.2f | %.1f | %.1f |%n", e.getKey(), med(e.getValue(), 2),
            med(e.getValue(), 0), med(e.getValue(), 1), med(e.getValue(), 3), med(e.getValue(), 4));
      }
    }
    System.exit(0);
  }

  private static double med(List<double[]> rows, int column) {
    return BenchApp.median(rows.stream().map(r -> r[column]).toList());
  }

  private static Connection jdbc(BenchApp bench) throws Exception {
    var pg = io.pinstream.infra.Database.connectOptions(bench.config.pg());
    return DriverManager.getConnection("jdbc:postgresql://" + pg.getHost() + ":" + pg.getPort() + "/" + pg.getDatabase(),
        pg.getUser(), pg.getPassword());
  }

  private static long corpusSize(BenchApp bench) throws Exception {
    try (Connection db = jdbc(bench); Statement st = db.createStatement();
         ResultSet rs = st.executeQuery("SELECT count(*) FROM pins")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** A kept corpus: statistics fresh, the table read once, as after {@link #load}. */
  private static void warm(BenchApp bench) throws Exception {
    try (Connection db = jdbc(bench); Statement st = db.createStatement()) {
      st.execute("VACUUM ANALYZE");
      st.execute("SELECT count(*) FROM pins");
      st.execute("SELECT count(*) FROM pin_search");
    }
  }

  private static void load(BenchApp bench) throws Exception {
    String script;
    try (InputStream in = SearchBenchmark.class.getResourceAsStream("/bench/search-corpus.sql")) {
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try (Connection db = jdbc(bench); Statement st = db.createStatement()) {
      st.execute("SET bench.pins = " + PINS);
      st.execute("SET maintenance_work_mem = '256MB'");
      st.execute(script);
      st.execute("VACUUM ANALYZE pins");
      st.execute("VACUUM ANALYZE pin_search");
      // In the page cache, as on a server that has been answering searches.
      st.execute("SELECT count(*) FROM pins");
      st.execute("SELECT count(*) FROM pin_search");
    }
  }

  /** The plans of one query of each kind, to show which index each uses. */
  private static void explain(BenchApp bench) throws Exception {
    long[] floors;
    try (Connection db = jdbc(bench); Statement st = db.createStatement();
         ResultSet rs = st.executeQuery(SearchService.windowFloorsSql())) {
      rs.next();
      floors = new long[rs.getMetaData().getColumnCount()];
      for (int i = 0; i < floors.length; i++) {
        floors[i] = rs.getLong(i + 1);
      }
    }
    Map<String, Map<String, String>> queries = new LinkedHashMap<>();
    queries.put("common word 'dress'", SearchService.rankingSql("websearch_to_tsquery('english', 'dress')", floors));
    queries.put("rare word 'eucalyptus'", SearchService.rankingSql("websearch_to_tsquery('english', 'eucalyptus')", floors));
    queries.put("two words 'cardigan walnut'", SearchService.rankingSql("websearch_to_tsquery('english', 'cardigan walnut')", floors));
    queries.put("several words 'velvet armchair walnut'",
        SearchService.rankingSql("websearch_to_tsquery('english', 'velvet armchair walnut')", floors));
    queries.put("Chinese '连衣裙'", SearchService.rankingSql("to_tsquery('simple', '''连衣'' <2> ''衣裙''')", floors));
    try (Connection db = jdbc(bench); Statement st = db.createStatement()) {
      db.setAutoCommit(false);
      for (var q : queries.entrySet()) {
        for (var statement : q.getValue().entrySet()) {
          // SET LOCALs, then the SELECT, in one transaction as the search sends them.
          String[] parts = statement.getValue().split(";\\s*");
          for (int i = 0; i < parts.length - 1; i++) {
            st.execute(parts[i]);
          }
          System.out.println("EXPLAIN ANALYZE, " + q.getKey() + ", " + statement.getKey() + ":");
          try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + parts[parts.length - 1])) {
            while (rs.next()) {
              String line = rs.getString(1);
              if (line.contains("Scan") || line.contains("Execution Time") || line.contains("BitmapAnd")
                  || line.contains("JIT")) {
                System.out.println("    " + line.strip());
              }
            }
          }
          db.rollback();
        }
      }
      String typo = "SELECT word, similarity(word, 'sweatr') FROM search_words WHERE word % 'sweatr'"
          + " ORDER BY similarity(word, 'sweatr') DESC, word LIMIT 3";
      System.out.println("EXPLAIN ANALYZE, typo 'sweatr': its trigram corrections from search_words:");
      try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, COSTS OFF) " + typo)) {
        while (rs.next()) {
          String line = rs.getString(1);
          if (line.contains("Scan") || line.contains("Execution Time")) {
            System.out.println("    " + line.strip());
          }
        }
      }
      db.rollback();
    }
  }

  private static List<String> samplePins(BenchApp bench) throws Exception {
    List<String> ids = new ArrayList<>();
    try (Connection db = jdbc(bench); Statement st = db.createStatement();
         ResultSet rs = st.executeQuery("SELECT id FROM pins TABLESAMPLE SYSTEM (1) LIMIT 2000")) {
      while (rs.next()) {
        ids.add(Long.toString(rs.getLong(1)));
      }
    }
    return ids;
  }

  /** CLIENTS connections, each sending the mix back to back for {@code seconds}. */
  private static List<Sample> round(BenchApp bench, List<String> pinIds, Set<String> sent, int seconds) throws Exception {
    List<Sample> samples = new CopyOnWriteArrayList<>();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    AtomicLong errors = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      Random random = new Random(c * 7919L + System.nanoTime());
      Thread thread = new Thread(() -> {
        try (Client http = new Client("127.0.0.1", bench.app.port())) {
          int step = 0;
          while (System.nanoTime() < end) {
            String kind;
            String path;
            switch (step++ % 9) {
              case 0 -> { kind = "baseline: GET /health"; path = "/health"; }
              case 1 -> { kind = "baseline: pin by id"; path = "/api/v1/pins/" + pinIds.get(random.nextInt(pinIds.size())); }
              case 2 -> { kind = "common word"; path = search(unique(sent, random, pick(random, COMMON))); }
              case 3 -> { kind = "rare word"; path = search(unique(sent, random, pick(random, RARE))); }
              case 4 -> { kind = "typo"; path = search(uniqueTypo(sent, random)); }
              case 5 -> { kind = "Chinese word"; path = search(unique(sent, random, pick(random, CHINESE))); }
              case 6 -> { kind = "several words"; path = search(unique(sent, random,
                  pick(random, MID) + " " + pick(random, random.nextBoolean() ? COMMON : MID))); }
              case 7 -> {
                // Page 2 or 3 of a common or several-word search: its first page is not counted here.
                String first = search(unique(sent, random, pick(random, COMMON) + (random.nextBoolean() ? "" : " " + pick(random, MID))));
                String bookmark = bookmarkOf(http.get(first));
                if (bookmark != null && random.nextBoolean()) {
                  bookmark = bookmarkOf(http.get(first + "&bookmark=" + bookmark));
                }
                if (bookmark == null) {
                  continue;
                }
                kind = "next page (bookmark)";
                path = first + "&bookmark=" + bookmark;
              }
              default -> {
                String word = pick(random, random.nextBoolean() ? MID : COMMON);
                kind = "type-ahead (suggest)";
                path = "/api/v1/search/suggest?q=" + URLEncoder.encode(
                    (random.nextBoolean() ? pick(random, COMMON) + " " : "") + word.substring(0, 2 + random.nextInt(word.length() - 2)),
                    StandardCharsets.UTF_8);
              }
            }
            long t = System.nanoTime();
            String body = http.get(path);
            double ms = (System.nanoTime() - t) / 1e6;
            if (body == null) {
              errors.incrementAndGet();
            } else {
              samples.add(new Sample(kind, ms));
            }
          }
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
    if (errors.get() > 0) {
      System.out.println("  non-200 answers: " + errors.get());
    }
    return samples;
  }

  private static String bookmarkOf(String page) {
    return page == null ? null : new JsonObject(page).getString("bookmark");
  }

  private static String search(String q) {
    return "/api/v1/search/pins?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8);
  }

  private static String pick(Random random, List<String> words) {
    return words.get(random.nextInt(words.size()));
  }

  /** The words with stop words added around them until the text was not sent before (same meaning, new text). */
  private static String unique(Set<String> sent, Random random, String words) {
    String text = words;
    while (!sent.add(text)) {
      text = random.nextBoolean() ? pick(random, STOP) + " " + text : text + " " + pick(random, STOP);
    }
    return text;
  }

  /** A word of the corpus with one letter dropped, doubled or swapped, made unique like any other query text. */
  private static String uniqueTypo(Set<String> sent, Random random) {
    while (true) {
      String word = pick(random, random.nextBoolean() ? MID : RARE);
      int i = 1 + random.nextInt(word.length() - 2);
      String typo = switch (random.nextInt(3)) {
        case 0 -> word.substring(0, i) + word.substring(i + 1);
        case 1 -> word.substring(0, i) + word.charAt(i) + word.substring(i);
        default -> word.substring(0, i) + word.charAt(i + 1) + word.charAt(i) + word.substring(i + 2);
      };
      if (!typo.equals(word)) {
        return unique(sent, random, typo);
      }
    }
  }

  /** A kept-alive HTTP/1.1 GET client; null for an answer other than 200. */
  private static final class Client implements AutoCloseable {
    private final java.net.Socket socket;
    private final java.io.OutputStream out;
    private final java.io.InputStream in;
    private final String host;

    Client(String host, int port) throws IOException {
      this.host = host + ":" + port;
      socket = new java.net.Socket(host, port);
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      in = new java.io.BufferedInputStream(socket.getInputStream());
    }

    String get(String path) throws IOException {
      out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = line();
      int length = 0;
      for (String header = line(); !header.isEmpty(); header = line()) {
        if (header.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(header.substring(15).trim());
        }
      }
      byte[] content = in.readNBytes(length);
      return status.split(" ")[1].equals("200") ? new String(content, StandardCharsets.UTF_8) : null;
    }

    private String line() throws IOException {
      java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("connection closed");
        }
        if (b != '\r') {
          line.write(b);
        }
      }
      return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
