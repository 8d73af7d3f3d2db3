package io.pinstream.bench;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pinstream.PinstreamApp;
import io.pinstream.config.Config;
import io.pinstream.config.ConfigLoader;
import io.pinstream.infra.Database;
import io.pinstream.testing.ApiClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /go/{pin_id}} under load next to {@code GET /health} on the same server in the same run:
 * alternating wrk rounds, medians of redirects/s and p99, their ratio; then a graceful stop and a
 * count of the clicks in PostgreSQL, which must equal the redirects wrk received (every one answered
 * 302; a wrk Lua {@code response} hook counts them, so the figure is exact).
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.pinstream.bench.RedirectBenchmark \
 *     [-Drounds=3] [-Dduration=15s] [-Dconnections=64] [-Dthreads=2]
 * </pre>
 * Needs wrk ({@code apt-get install -y wrk}), PostgreSQL and Redis as for the tests.
 */
public final class RedirectBenchmark {
  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern P99 = Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s)");
  private static final Pattern COUNTED = Pattern.compile("answered ok: (\\d+), other: (\\d+)");

  private record Round(double rps, double p99Ms, long ok, long other) {
  }

  public static void main(String[] args) throws Exception {
    int rounds = Integer.getInteger("rounds", 3);
    String duration = System.getProperty("duration", "15s");
    int connections = Integer.getInteger("connections", 64);
    int threads = Integer.getInteger("threads", 2);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("access")).setLevel(ch.qos.logback.classic.Level.OFF);

    JsonObject json = ConfigLoader.defaults();
    String db = "pinstream_bench_" + System.currentTimeMillis();
    json.getJsonObject("pg").put("uri", "postgresql://postgres@127.0.0.1:5432/" + db);
    json.getJsonObject("redis").put("key_prefix", "bench:" + db + ":");
    json.getJsonObject("http").put("port", 0).put("host", "127.0.0.1");
    json.getJsonObject("media").put("dir", Files.createTempDirectory("pinstream-bench").toString());
    json.getJsonObject("auth").put("bcrypt_cost", 4);
    // The merchant's domain counts as verified (bench-shop.example cannot serve a token): /go takes the
    // same redirect path as for a verified merchant.
    json.getJsonObject("shop").put("click_secret", "bench-secret").put("domain_verification", "off");
    json.getJsonObject("management").put("port", 0);
    Config config = Config.from(json);
    PrometheusMeterRegistry registry = PinstreamApp.newRegistry();
    Vertx vertx = PinstreamApp.createVertx(registry);
    PinstreamApp app = PinstreamApp.start(vertx, config, registry).await(60, TimeUnit.SECONDS);
    Path script = Files.createTempFile("pinstream-wrk", ".lua");
    Files.writeString(script, """
        ok = 0
        other = 0
        local threads = {}
        function setup(thread) table.insert(threads, thread) end
        function response(status, headers, body)
          if status == 302 or status == 200 then ok = ok + 1 else other = other + 1 end
        end
        function done(summary, latency, requests)
          local o, x = 0, 0
          for _, t in ipairs(threads) do
            o = o + t:get("ok")
            x = x + t:get("other")
          end
          io.write(string.format("answered ok: %d, other: %d\\n", o, x))
        end
        """);
    try {
      ApiClient api = new ApiClient("http://127.0.0.1:" + app.port());
      String token = api.signUpAndLogIn("bench");
      JsonObject merchant = api.post("/api/v1/merchants", new JsonObject().put("name", "Bench shop")
          .put("domain", "shop.example.com").put("commission_rate_bps", 800), token).json();
      String board = api.createBoard(token, "Bench");
      JsonObject pin = api.post("/api/v1/pins", new JsonObject().put("board_id", board).put("media_id", api.uploadPhoto(token))
          .put("link", "https://shop.example.com/p/1?ref=pin")
          .put("product", new JsonObject().put("merchant_id", merchant.getString("id"))
              .put("price", new JsonObject().put("amount_minor", 1990).put("currency", "CNY"))), token).json();
      String base = "http://127.0.0.1:" + app.port();
      String go = base + "/go/" + pin.getString("id");
      System.out.printf("wrk -t%d -c%d -d%s -s <status-counting lua> against %s and %s/health, %d alternating rounds%n",
          threads, connections, duration, go, base, rounds);

      wrk(script, threads, connections, "3s", base + "/health");
      wrk(script, threads, connections, "3s", go);
      long warmupClicks = clicksAfterFlush(app);

      List<Round> health = new ArrayList<>();
      List<Round> redirects = new ArrayList<>();
      for (int i = 0; i < rounds; i++) {
        Round h = wrk(script, threads, connections, duration, base + "/health");
        Round r = wrk(script, threads, connections, duration, go);
        health.add(h);
        redirects.add(r);
        System.out.printf("round %d: /health %.0f req/s p99 %.2f ms | /go %.0f redirects/s p99 %.2f ms (302: %d, other: %d)%n",
            i + 1, h.rps, h.p99Ms, r.rps, r.p99Ms, r.ok, r.other);
      }
      long redirected = warmupClicks + redirects.stream().mapToLong(Round::ok).sum();
      long others = redirects.stream().mapToLong(Round::other).sum();

      app.stop().await(60, TimeUnit.SECONDS);
      double hRps = median(health.stream().map(Round::rps).toList());
      double rRps = median(redirects.stream().map(Round::rps).toList());
      System.out.printf("median: /health %.0f req/s p99 %.2f ms; /go %.0f redirects/s p99 %.2f ms; ratio %.2f%n",
          hRps, median(health.stream().map(Round::p99Ms).toList()), rRps,
          median(redirects.stream().map(Round::p99Ms).toList()), rRps / hRps);
      long stored = countClicks(vertx, config);
      // wrk stops mid-flight: requests the server answered but wrk no longer read are not in wrk's count,
      // so the exact reference is the server's own count of 302 answers (Micrometer, by status code).
      long served = (long) registry.find("vertx.http.server.requests").tag("code", "302").counters().stream()
          .mapToDouble(c -> c.count()).sum();
      System.out.printf("302s received by wrk (incl. warm-up): %d, non-2xx/3xx: %d; 302s sent by the server: %d;%n"
          + "clicks in PostgreSQL after a graceful stop: %d -> %s%n",
          redirected, others, served, stored, stored == served ? "equal to the server's 302s: none lost" : "MISMATCH");
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
      Database.dropDatabase(config.pg());
      Files.deleteIfExists(script);
    }
  }

  private static long clicksAfterFlush(PinstreamApp app) throws Exception {
    app.components().clicks().written(30_000).await(40, TimeUnit.SECONDS);
    return app.components().pg().query("SELECT count(*) FROM clicks").execute().await(10, TimeUnit.SECONDS)
        .iterator().next().getLong(0);
  }

  private static long countClicks(Vertx vertx, Config config) throws Exception {
    Pool pool = Database.pool(vertx, config.pg());
    try {
      return pool.query("SELECT count(*) FROM clicks").execute().await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
    } finally {
      pool.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static Round wrk(Path script, int threads, int connections, String duration, String url)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + duration, "--latency",
        "-s", script.toString(), url).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes());
    if (process.waitFor() != 0) {
      throw new IllegalStateException("wrk failed: " + out);
    }
    Matcher rps = RPS.matcher(out);
    Matcher p99 = P99.matcher(out);
    if (!rps.find() || !p99.find()) {
      throw new IllegalStateException("cannot read wrk output: " + out);
    }
    double value = Double.parseDouble(p99.group(1));
    double ms = switch (p99.group(2)) {
      case "us" -> value / 1000;
      case "s" -> value * 1000;
      default -> value;
    };
    Matcher counted = COUNTED.matcher(out);
    if (!counted.find()) {
      throw new IllegalStateException("no status counts in wrk output: " + out);
    }
    return new Round(Double.parseDouble(rps.group(1)), ms, Long.parseLong(counted.group(1)),
        Long.parseLong(counted.group(2)));
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
