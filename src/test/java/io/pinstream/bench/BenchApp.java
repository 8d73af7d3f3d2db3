package io.pinstream.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pinstream.PinstreamApp;
import io.pinstream.config.Config;
import io.pinstream.config.ConfigLoader;
import io.pinstream.infra.Database;
import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The real application for a benchmark: its own database, Redis key prefix and media folder, the
 * access log off (one line per request would be measured too), everything removed afterwards; except
 * with {@code -Dbench.db=NAME}: that database is used (migrated as usual) and kept, so a benchmark whose
 * data takes minutes to make (SearchBenchmark's million pins) can reuse it in the next run.
 */
final class BenchApp implements AutoCloseable {
  final Config config;
  final Vertx vertx;
  final PinstreamApp app;
  final ApiClient api;
  /** True when the database was named with -Dbench.db and is kept after the run. */
  final boolean keptDatabase;

  BenchApp(Consumer<JsonObject> customize) throws Exception {
    io.pinstream.JvmTuning.apply(); // the JVM settings java -jar gets: what is measured is what runs
    ((Logger) LoggerFactory.getLogger("access")).setLevel(Level.OFF);
    JsonObject json = ConfigLoader.defaults();
    String kept = System.getProperty("bench.db");
    keptDatabase = kept != null && !kept.isBlank();
    String db = keptDatabase ? kept : "pinstream_bench_" + System.currentTimeMillis();
    String pgBase = System.getenv().getOrDefault("PINSTREAM_PG_URI", "postgresql://postgres@127.0.0.1:5432/pinstream");
    json.getJsonObject("pg").put("uri", pgBase.substring(0, pgBase.lastIndexOf('/') + 1) + db);
    // Unique per run, and short like the default "ps:" (key length is part of what Redis pays per key).
    json.getJsonObject("redis").put("key_prefix", "pb" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36) + ":");
    json.getJsonObject("http").put("port", 0).put("host", "127.0.0.1");
    json.getJsonObject("management").put("port", 0);
    json.getJsonObject("media").put("dir", Files.createTempDirectory("pinstream-bench").toString());
    json.getJsonObject("auth").put("bcrypt_cost", 4);
    customize.accept(json);
    config = Config.from(json);
    PrometheusMeterRegistry registry = PinstreamApp.newRegistry();
    vertx = PinstreamApp.createVertx(registry);
    app = PinstreamApp.start(vertx, config, registry).await(60, TimeUnit.SECONDS);
    api = new ApiClient("http://127.0.0.1:" + app.port());
  }

  String url(String path) {
    return "http://127.0.0.1:" + app.port() + path;
  }

  @Override
  public void close() throws Exception {
    // The run's Redis keys go too: left behind, every run would make the next one's Redis bigger.
    TestApp.deleteKeys(io.vertx.redis.client.RedisAPI.api(app.components().redis()), config.redis().keyPrefix());
    app.stop().await(30, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
    if (!keptDatabase) {
      Database.dropDatabase(config.pg());
    }
  }

  /** Runs a command and returns what it printed (stdout and stderr). */
  static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    StringBuilder out = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
      String line;
      while ((line = r.readLine()) != null) {
        out.append(line).append('\n');
      }
    }
    p.waitFor();
    return out.toString();
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static double percentile(List<Double> values, int p) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  /** wrk's requests/s and p99 latency (ms) for one URL. */
  record WrkResult(double requestsPerSecond, double p99Ms, long requests, long errors) {
  }

  static WrkResult wrk(String url, int connections, int seconds, String... headers) throws Exception {
    List<String> command = new ArrayList<>(List.of("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency"));
    for (String h : headers) {
      command.add("-H");
      command.add(h);
    }
    command.add(url);
    String out = run(command.toArray(String[]::new));
    double rps = Double.parseDouble(find(out, "Requests/sec:\\s+([0-9.]+)"));
    String p99 = find(out, "99%\\s+([0-9.]+[a-z]+)");
    long requests = Long.parseLong(find(out, "(\\d+) requests in"));
    String non2xx = findOrNull(out, "Non-2xx or 3xx responses: (\\d+)");
    String socketErrors = findOrNull(out, "Socket errors: (.*)");
    long errors = (non2xx == null ? 0 : Long.parseLong(non2xx)) + (socketErrors == null ? 0 : 1);
    return new WrkResult(rps, toMs(p99), requests, errors);
  }

  private static String find(String text, String regex) {
    String found = findOrNull(text, regex);
    if (found == null) {
      throw new IllegalStateException("wrk output without " + regex + ":\n" + text);
    }
    return found;
  }

  private static String findOrNull(String text, String regex) {
    var m = java.util.regex.Pattern.compile(regex).matcher(text);
    return m.find() ? m.group(1) : null;
  }

  private static double toMs(String value) {
    double number = Double.parseDouble(value.replaceAll("[a-z]+$", ""));
    if (value.endsWith("us")) {
      return number / 1000;
    }
    if (value.endsWith("ms")) {
      return number;
    }
    if (value.endsWith("s")) {
      return number * 1000;
    }
    return number;
  }
}
