package io.pinstream.bench;

import io.pinstream.config.Config;
import io.pinstream.config.ConfigLoader;
import io.pinstream.infra.Database;
import io.pinstream.testing.ApiClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * Live push under load: {@code clients} WebSocket subscribers of one board topic, pins published at
 * a steady {@code rate} for {@code seconds}, every delivered message's latency recorded. The same
 * load, in the same run, against the two peers a team would otherwise pick: a plain Node.js
 * broadcaster on {@code ws} and Socket.IO (rooms, websocket transport) - then Pinstream again as
 * two nodes sharing Redis, clients split between them.
 *
 * <p>{@code -Dwarmup=N} (default 240: two minutes) publishes N more pins first, at the same rate,
 * delivered but not counted, for every server alike, so that the figures are of running servers, not
 * of a fresh process still compiling its code (JVM and V8 alike; the JVM also recompiles its hot
 * paths when the first heartbeat rounds bring new frame types, 25 and 50 s in); {@code -Dwarmup=0}
 * counts everything.
 *
 * <p>Pinstream runs with {@code -DserverLoops=1} event loop by default, as each peer runs one
 * JavaScript thread: the load client needs the other core of this 2-core machine, and two loops
 * broadcasting at once take it from the client ({@code -DserverLoops=0}: one per core, the service's
 * default). {@code -DserverJvm} replaces the server's JVM options ({@link #SERVER_JVM}, the
 * container's), {@code -DserverJvmArgs} adds to them (a profiler agent, say).
 *
 * <p>Latency = the wall-clock time a client received the message minus the wall-clock time the
 * publisher started the publish request (stamped into the pin title as epoch microseconds).
 * Pinstream's figure is end to end through its API: PostgreSQL insert, fan-out, Redis pub/sub,
 * hydration, push; the peers only broadcast what they are handed. Every server is its own process,
 * so its memory per connection is read from /proc/[pid]/status (VmRSS) before and after the
 * connections open (before: after a first batch was opened and closed), and for the JVM also as live
 * heap after a full GC.
 * <pre>
 * mvn -q -o package -DskipTests &amp;&amp; (cd src/test/node &amp;&amp; npm ci)
 * MAVEN_OPTS="-Xms2g -Xmx2g -XX:+AlwaysPreTouch" mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.pinstream.bench.LiveBenchmark \
 *   [-Dclients=10000 -Drate=2 -Dseconds=30 -Dwarmup=240 -DserverLoops=1 -Donly=pinstream,ws,socketio,pinstream2]
 * </pre>
 * A reconnect wave (see {@code BURST}), the server started with no JVM option, as the README runs it:
 * <pre>
 * mvn -q -o dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -cp target/classes:target/test-classes:$(cat target/cp.txt) -Dshape=burst io.pinstream.bench.LiveBenchmark
 * </pre>
 */
public final class LiveBenchmark {
  /**
   * {@code steady} (the default): subscribers opened at most 200 handshakes at a time, then pins at a
   * steady rate. {@code burst}: a reconnect wave (200 WebSockets opened every 50 ms, each subscribing
   * at once), then 20 pins at 5/s, no warm-up, the server started exactly as the README says.
   */
  private static final boolean BURST = "burst".equals(System.getProperty("shape", "steady"));
  private static final int CLIENTS = Integer.getInteger("clients", 10_000);
  private static final int RATE = Integer.getInteger("rate", BURST ? 5 : 2);
  private static final int SECONDS = Integer.getInteger("seconds", BURST ? 4 : 30);
  private static final int WARMUP = Integer.getInteger("warmup", BURST ? 0 : 240);
  /** Pins created on another board before the subscribers connect (a diagnostic; 0, the default, in every recorded run). */
  private static final int PRE_PINS = Integer.getInteger("prePins", 0);
  /** Burst shape: sockets opened per tick, and the tick. */
  private static final int BURST_SIZE = 200;
  private static final long BURST_TICK_MS = 50;
  /**
   * Connections opened and closed before memory is first read, so that what a server grows once
   * (code compiled for the handshake, buffer pools) is not counted as memory per connection.
   */
  private static final int PRIMING = Math.min(2000, CLIENTS); // the client allows 2 x CLIENTS connections
  /** docker/Dockerfile's GC and heap options (why: BENCHMARKS.md, "Live push"), with a fixed heap ceiling. */
  private static final String SERVER_JVM = BURST ? "" : "-Xmx1g -XX:+UseG1GC -XX:-G1UseAdaptiveConcRefinement "
      + "-XX:G1ConcRefinementGreenZone=2G -XX:G1ConcRefinementThreads=0 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30";
  // (The burst shape passes none: java -jar target/pinstream.jar, as the README runs it.)
  /**
   * The load client runs in Maven's JVM; started with the JVM's default heap (a 64th of the
   * machine's memory), its G1 collected every few seconds and marked every few more while 10,000
   * sockets were read, and those pauses were counted as the servers' latency.
   */
  private static final long CLIENT_HEAP_MB = 2000;
  private static final String ONLY = System.getProperty("only", BURST ? "pinstream,ws,socketio" : "pinstream,ws,socketio,pinstream2");
  /** {@code -Djar=...}: another build, for a back-to-back comparison. */
  private static final Path JAR = Path.of(System.getProperty("jar", "target/pinstream.jar"));
  private static final Path NODE = Path.of("src/test/node");
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  public static void main(String[] args) throws Exception {
    if (!Files.isRegularFile(JAR) || !Files.isDirectory(NODE.resolve("node_modules"))) {
      throw new IllegalStateException("build first: mvn -q -o package -DskipTests && (cd src/test/node && npm ci)");
    }
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("ROOT")).setLevel(ch.qos.logback.classic.Level.WARN);
    long heapMb = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() >> 20;
    if (heapMb < CLIENT_HEAP_MB) {
      System.out.printf("WARNING: the load client's heap starts at %d MB. Its %d sockets then keep its G1 busy (a young"
          + " pause every few seconds, a marking cycle every few more) and the pauses show as server latency."
          + " Run with MAVEN_OPTS=\"-Xms2g -Xmx2g -XX:+AlwaysPreTouch\".%n%n", heapMb, CLIENTS);
    }
    if (!preTouched()) {
      // Without it the client's first touch of each fresh heap page (a page fault and the kernel
      // zeroing it) fell on the last pins of the first server measured, always Pinstream: half its
      // event loops' time went to page faults there, and its p99 doubled (30 Nov, async-profiler).
      throw new IllegalStateException("run the load client's JVM with -XX:+AlwaysPreTouch (and -Xms2g -Xmx2g)");
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    String db = "pinstream_bench_live_" + System.currentTimeMillis();
    List<Result> results = new ArrayList<>();
    System.out.printf("%d subscribers of one topic%s, %d pins/s for %d s (expected %,d deliveries per run)%s%n%n",
        CLIENTS, BURST ? " opened " + BURST_SIZE + " every " + BURST_TICK_MS + " ms" : "", RATE, SECONDS,
        (long) CLIENTS * RATE * SECONDS,
        WARMUP == 0 ? "" : ", after " + WARMUP + " warm-up pins not counted");
    try {
      if (BURST) {
        warmLoadClient(vertx);
      }
      if (ONLY.contains("pinstream,") || ONLY.equals("pinstream")) {
        try (Server a = Server.pinstream(db, "a")) {
          results.add(runPinstream("Pinstream, 1 node", vertx, List.of(a)));
        }
      }
      if (ONLY.contains("ws")) {
        try (Server ws = Server.node("ws-server.js")) {
          results.add(runJavaClients("Node ws " + version("ws"), vertx, List.of(ws), "board:1",
              title -> ws.publishRaw("board:1", title)));
        }
      }
      if (ONLY.contains("socketio")) {
        try (Server io = Server.node("socketio-server.js")) {
          results.add(runSocketIo("Socket.IO " + version("socket.io"), io));
        }
      }
      if (ONLY.contains("pinstream2")) {
        try (Server a = Server.pinstream(db, "a"); Server b = Server.pinstream(db, "b")) {
          results.add(runPinstream("Pinstream, 2 nodes", vertx, List.of(a, b)));
        }
      }
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
      JsonObject json = ConfigLoader.defaults();
      json.getJsonObject("pg").put("uri", "postgresql://postgres@127.0.0.1:5432/" + db);
      Database.dropDatabase(Config.from(json).pg());
      BenchApp.run("sh", "-c", "redis-cli --scan --pattern '" + db + ":*' | xargs -r -n 500 redis-cli del >/dev/null");
    }
    System.out.println();
    System.out.println("| Server | subscribed | delivered / expected | p50 ms | p99 ms | max ms | RSS per connection | heap per connection |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    results.forEach(r -> System.out.println(r.row()));
    System.exit(0);
  }

  /** Whether this JVM touched its whole heap at start (-XX:+AlwaysPreTouch). */
  private static boolean preTouched() {
    var hotspot = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
    return Boolean.parseBoolean(hotspot.getVMOption("AlwaysPreTouch").getValue());
  }

  // ---- the runs ----

  /**
   * Burst shape only (the steady one has warm-up pins for every server): the load client's own JVM
   * first runs the whole measured shape against a throwaway `ws` peer, the same wave of {@code clients}
   * sockets and then the same pins at the same rate (recorded into a histogram that is dropped), and
   * then collects its garbage (a full GC of this JVM, not of any server). Without it the first server
   * measured, always Pinstream, met a client JVM still compiling its receive path and the servers
   * after it a warm one. Until 30 Nov the warm-up was 40 messages on 2,000 sockets: Pinstream's first
   * pin was then its slowest in every run, `ws`'s (measured second) in none; the same larger warm-up
   * without the collection left the closed sockets' garbage to the measured runs (every server's
   * p99 rose, Socket.IO's to 3-4 s).
   */
  private static void warmLoadClient(Vertx vertx) throws Exception {
    try (Server peer = Server.node("ws-server.js")) {
      LoadClient warm = new LoadClient(vertx);
      warm.burst(List.of(peer), "board:1", CLIENTS);
      Thread.sleep(2000);
      for (int i = 1; i <= RATE * SECONDS; i++) {
        peer.publishRaw("board:1", "bench-" + i + "-" + nowMicros());
        Thread.sleep(1000 / RATE);
      }
      Thread.sleep(1000);
      warm.close();
    }
    System.gc();
    Thread.sleep(2000);
  }

  private static Result runPinstream(String name, Vertx vertx, List<Server> nodes) throws Exception {
    ApiClient api = new ApiClient(nodes.get(0).base());
    String user = "bench_" + nodes.size() + "_" + System.currentTimeMillis() % 100000;
    String token = api.signUpAndLogIn(user);
    String board = api.createBoard(token, "Live");
    String media = api.uploadPhoto(token);
    // A diagnostic, not the measured shape: -DprePins=N pins on another board before the wave show
    // what a node whose write path had run before would deliver (BENCHMARKS.md, "Live push", round six).
    String elsewhere = PRE_PINS > 0 ? api.createBoard(token, "Before the wave") : null;
    for (int i = 0; i < PRE_PINS; i++) {
      api.post("/api/v1/pins", new JsonObject().put("board_id", elsewhere).put("media_id", media).put("title", "before " + i), token);
    }
    AtomicInteger turn = new AtomicInteger();
    // The publisher is the client the peers' publisher is (HTTP/1.1, the one that polled the server
    // until it answered). Until 30 Nov it was a new client of its own, whose first request (pin 1)
    // opened its connection and offered an h2c upgrade, a way the server had not run before.
    List<ApiClient> apis = nodes.stream().map(n -> new ApiClient(n.base(), HTTP)).toList();
    return runJavaClients(name, vertx, nodes, "board:" + board, title -> {
      // Alternate the publishing node: with 2 nodes, half the pins cross from one node to the other.
      ApiClient via = apis.get(turn.getAndIncrement() % nodes.size());
      var reply = via.post("/api/v1/pins", new JsonObject().put("board_id", board).put("media_id", media)
          .put("title", title), token);
      long answeredMicros = nowMicros();
      if (reply.status() == 201) {
        // How long the first pins took to be created (the id's time) and answered, from the stamp in the title.
        long stamp = Long.parseLong(title.substring(title.lastIndexOf('-') + 1));
        long n = Long.parseLong(title.substring(6, title.lastIndexOf('-')));
        if (n - WARMUP <= 3 && n > WARMUP) {
          long created = io.pinstream.common.Ids.createdAtMillis(Long.parseLong(reply.json().getString("id"))) * 1000;
          System.out.printf("  pin %d: created %.1f ms and answered %.1f ms after its publish started%n", n - WARMUP,
              (created - stamp) / 1000.0, (answeredMicros - stamp) / 1000.0);
        }
      }
      return reply.status() == 201;
    });
  }

  private static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }

  private static Result runJavaClients(String name, Vertx vertx, List<Server> servers, String topic,
                                       Publisher publisher) throws Exception {
    LoadClient primer = new LoadClient(vertx);
    primer.connect(servers, topic, PRIMING);
    primer.close();
    // Every server meets a load client with an empty young generation. Until 30 Nov only the first
    // one did (after the warm-up's collection): the client's next young collection, which copies its
    // 10,000 sockets' state (160-370 ms), then fell on the second server's first pins (ws's).
    System.gc();
    Thread.sleep(1000);
    Memory before = Memory.of(servers);
    LoadClient load = new LoadClient(vertx);
    int ready = BURST ? load.burst(servers, topic, CLIENTS) : load.connect(servers, topic, CLIENTS);
    Thread.sleep(2000);
    // Burst: memory is read once the pins were delivered and the connections are idle again, not just
    // before the pins, where its full GC would leave a freshly shrunk heap to broadcast on.
    Memory after = BURST ? null : Memory.of(servers);
    if (!BURST) {
      printHistogram(servers);
    }
    CpuTime serverCpu = CpuTime.of(servers.stream().map(Server::pid).toList());
    CpuTime clientCpu = CpuTime.of(List.of(ProcessHandle.current().pid()));
    List<Map<String, Double>> metricsBefore = new ArrayList<>();
    for (Server s : servers) {
      metricsBefore.add(s.isJava() ? s.metrics() : Map.of());
    }
    Instant firstPin = Instant.now();
    long published = publish(publisher);
    load.awaitDeliveries((long) ready * published);
    System.out.printf("  pins published from %s (UTC), to line up with a server's GC or JIT log%n", firstPin);
    if (after == null) {
      Thread.sleep(2000);
      after = Memory.of(servers);
      printHistogram(servers);
    }
    Result result = new Result(name, CLIENTS, ready, published, load.latencies, after.minus(before, ready));
    System.out.println(result.row());
    System.out.printf("  message size: %d bytes on average%n", load.latencies.meanMessageChars());
    if (published <= 100) {
      System.out.printf("  slowest delivery of each pin, in publishing order (ms): %s%n", load.latencies.slowestByPin(published));
    }
    long delivered = Math.max(1, load.latencies.count() * (published + WARMUP) / Math.max(1, published)); // warm-up included
    System.out.printf("  CPU per delivered message: server %s, load client (and publisher) %s%n",
        serverCpu.since(delivered), clientCpu.since(delivered));
    for (int i = 0; i < servers.size(); i++) {
      if (servers.get(i).isJava()) { // the server's own split of a pin's way, over the same pins (warm-up included)
        Map<String, Double> now = servers.get(i).metrics();
        Map<String, Double> then = metricsBefore.get(i);
        System.out.printf("  server %d: pin creation -> hub mean %.1f ms (max %.1f), one event loop's broadcast mean %.1f ms (max %.1f)%n",
            i + 1, meanMs(now, then, "pinstream_live_lag_seconds"), 1000 * now.getOrDefault("pinstream_live_lag_seconds_max", Double.NaN),
            meanMs(now, then, "pinstream_live_broadcast_seconds"), 1000 * now.getOrDefault("pinstream_live_broadcast_seconds_max", Double.NaN));
        System.out.printf("  server %d: fan-out mean %.1f ms (max %.1f)%n", i + 1, meanMs(now, then, "pinstream_fanout_duration_seconds"),
            1000 * now.getOrDefault("pinstream_fanout_duration_seconds_max", Double.NaN));
      }
    }
    load.close();
    return result;
  }

  private static void printHistogram(List<Server> servers) throws Exception {
    if (Boolean.getBoolean("histogram") && servers.get(0).isJava()) { // jcmd's SIGQUIT would kill node
      System.out.println(BenchApp.run("jcmd", Long.toString(servers.get(0).pid()), "GC.class_histogram")
          .lines().limit(40).collect(java.util.stream.Collectors.joining("\n")));
    }
  }

  private static double meanMs(Map<String, Double> now, Map<String, Double> then, String timer) {
    double count = now.getOrDefault(timer + "_count", 0.0) - then.getOrDefault(timer + "_count", 0.0);
    double sum = now.getOrDefault(timer + "_sum", 0.0) - then.getOrDefault(timer + "_sum", 0.0);
    return count == 0 ? Double.NaN : sum / count * 1000;
  }

  private static Result runSocketIo(String name, Server server) throws Exception {
    NodeClient primer = new NodeClient(server.base(), PRIMING, "board:1", WARMUP, 0);
    primer.awaitReady();
    primer.close();
    Thread.sleep(2000);
    Memory before = Memory.of(List.of(server));
    List<NodeClient> clients = new ArrayList<>();
    int half = CLIENTS / 2;
    // Burst: each of the two processes opens half of the 200 sockets per tick.
    clients.add(new NodeClient(server.base(), half, "board:1", WARMUP, BURST ? BURST_SIZE / 2 : 0));
    clients.add(new NodeClient(server.base(), CLIENTS - half, "board:1", WARMUP, BURST ? BURST_SIZE - BURST_SIZE / 2 : 0));
    int ready = 0;
    for (NodeClient c : clients) {
      ready += c.awaitReady();
    }
    Thread.sleep(2000);
    Memory after = BURST ? null : Memory.of(List.of(server));
    long published = publish(title -> server.publishRaw("board:1", title));
    Histogram latencies = new Histogram();
    long expected = (long) ready * published;
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      Histogram merged = new Histogram();
      for (NodeClient c : clients) {
        c.report(merged);
      }
      latencies = merged;
      if (merged.count() >= expected || System.currentTimeMillis() > deadline) {
        break;
      }
      Thread.sleep(1000);
    }
    if (after == null) {
      Thread.sleep(2000);
      after = Memory.of(List.of(server));
    }
    clients.forEach(NodeClient::close);
    Result result = new Result(name, CLIENTS, ready, published, latencies, after.minus(before, ready));
    System.out.println(result.row());
    return result;
  }

  /**
   * RATE publishes a second for SECONDS (after WARMUP more, not counted), each on its own thread so a
   * slow one does not delay the next. Returns how many counted pins were published.
   */
  private static long publish(Publisher publisher) throws Exception {
    ScheduledExecutorService timer = Executors.newScheduledThreadPool(8);
    AtomicLong ok = new AtomicLong();
    AtomicLong seq = new AtomicLong();
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    long total = (long) RATE * SECONDS + WARMUP;
    long periodNanos = 1_000_000_000L / RATE;
    CompletableFuture<Void> done = new CompletableFuture<>();
    timer.scheduleAtFixedRate(() -> {
      long n = seq.incrementAndGet();
      if (n > total) {
        done.complete(null);
        return;
      }
      sends.add(CompletableFuture.runAsync(() -> {
        Instant now = Instant.now();
        long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
        try {
          if (publisher.publish("bench-" + n + "-" + micros) && n > WARMUP) {
            ok.incrementAndGet();
          }
        } catch (Exception e) {
          System.err.println("publish failed: " + e);
        }
      }, timer));
    }, 0, periodNanos, TimeUnit.NANOSECONDS);
    done.get();
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    timer.shutdownNow();
    return ok.get();
  }

  interface Publisher {
    boolean publish(String title) throws Exception;
  }

  // ---- the Java load client (Pinstream and the ws peer: same frames) ----

  private static final class LoadClient {
    final Histogram latencies = new Histogram();
    private final Vertx vertx;
    private final WebSocketClient client;
    private final List<WebSocket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());

    LoadClient(Vertx vertx) {
      this.vertx = vertx;
      this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(CLIENTS * 2)
          .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20).setConnectTimeout(60_000));
    }

    /** Opens n subscribers spread over the servers, at most 200 handshakes at a time; returns how many subscribed. */
    int connect(List<Server> servers, String topic, int n) throws Exception {
      AtomicInteger next = new AtomicInteger();
      AtomicInteger subscribed = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      CompletableFuture<Void> all = new CompletableFuture<>();
      String subscribe = new JsonObject().put("type", "subscribe").put("topic", topic).encode();
      Runnable[] open = new Runnable[1];
      open[0] = () -> {
        int i = next.getAndIncrement();
        if (i >= n) {
          return;
        }
        Server server = servers.get(i % servers.size());
        Promise<Void> confirmed = Promise.promise();
        client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.port).setURI("/api/v1/live"))
            .compose(ws -> {
              sockets.add(ws);
              ws.textMessageHandler(text -> {
                if (text.startsWith("{\"type\":\"subscribed\"")) {
                  confirmed.tryComplete();
                } else {
                  latencies.record(text);
                }
              });
              return ws.writeTextMessage(subscribe).compose(v -> confirmed.future());
            })
            .onComplete(ar -> {
              (ar.succeeded() ? subscribed : failed).incrementAndGet();
              if (subscribed.get() + failed.get() == n) {
                all.complete(null);
              }
              open[0].run();
            });
      };
      for (int i = 0; i < 200; i++) {
        vertx.runOnContext(v -> open[0].run());
      }
      all.get(10, TimeUnit.MINUTES);
      if (failed.get() > 0) {
        System.out.println("  " + failed.get() + " connections failed");
      }
      return subscribed.get();
    }

    /**
     * A reconnect wave: {@value #BURST_SIZE} sockets opened every {@value #BURST_TICK_MS} ms whatever
     * the server's pace, each subscribing as soon as it is open. Waits until every socket was answered
     * (subscribed, an error, or a failed handshake) and returns how many subscribed; the rest are
     * printed by kind.
     */
    int burst(List<Server> servers, String topic, int n) throws Exception {
      AtomicInteger subscribed = new AtomicInteger();
      java.util.concurrent.ConcurrentHashMap<String, Integer> refused = new java.util.concurrent.ConcurrentHashMap<>();
      java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(n);
      String subscribe = new JsonObject().put("type", "subscribe").put("topic", topic).encode();
      AtomicInteger next = new AtomicInteger();
      long start = System.nanoTime();
      AtomicLong lastSubscribedAt = new AtomicLong();
      long timer = vertx.setPeriodic(BURST_TICK_MS, id -> {
        for (int k = 0; k < BURST_SIZE; k++) {
          int i = next.getAndIncrement();
          if (i >= n) {
            vertx.cancelTimer(id);
            return;
          }
          Server server = servers.get(i % servers.size());
          java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
          client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.port).setURI("/api/v1/live"))
              .onSuccess(ws -> {
                sockets.add(ws);
                ws.textMessageHandler(text -> {
                  if (text.startsWith("{\"type\":\"subscribed\"")) {
                    if (done.compareAndSet(false, true)) {
                      subscribed.incrementAndGet();
                      lastSubscribedAt.set(System.nanoTime());
                      answered.countDown();
                    }
                  } else if (text.startsWith("{\"type\":\"error\"")) {
                    if (done.compareAndSet(false, true)) {
                      refused.merge(new JsonObject(text).getString("code"), 1, Integer::sum);
                      answered.countDown();
                    }
                  } else {
                    latencies.record(text);
                  }
                });
                ws.writeTextMessage(subscribe);
              })
              .onFailure(e -> {
                if (done.compareAndSet(false, true)) {
                  refused.merge("handshake failed: " + e.getClass().getSimpleName(), 1, Integer::sum);
                  answered.countDown();
                }
              });
        }
      });
      if (!answered.await(120, TimeUnit.SECONDS)) {
        vertx.cancelTimer(timer);
        refused.merge("no answer in 120 s", (int) answered.getCount(), Integer::sum);
      }
      System.out.printf("  burst: %,d of %,d subscribed, the last %.1f s after the first handshake%s%n", subscribed.get(), n,
          (lastSubscribedAt.get() - start) / 1e9, refused.isEmpty() ? "" : "; not subscribed: " + refused);
      return subscribed.get();
    }

    /** Waits until every expected message arrived, or nothing new came for 15 s. */
    void awaitDeliveries(long expected) throws InterruptedException {
      long last = -1;
      long quietSince = System.currentTimeMillis();
      while (latencies.count() < expected) {
        long now = latencies.count();
        if (now != last) {
          last = now;
          quietSince = System.currentTimeMillis();
        } else if (System.currentTimeMillis() - quietSince > 15_000) {
          return;
        }
        Thread.sleep(200);
      }
    }

    void close() throws Exception {
      List<Future<Void>> closing = new ArrayList<>();
      synchronized (sockets) {
        sockets.forEach(ws -> closing.add(ws.close()));
      }
      Future.join(closing).await(60, TimeUnit.SECONDS);
      client.close().await(30, TimeUnit.SECONDS);
      Thread.sleep(2000);
    }
  }

  /** Latencies in 100 us buckets up to 120 s, and the exact maximum; warm-up pins are not recorded. */
  static final class Histogram {
    private static final int BUCKETS = 1_200_000;
    private final AtomicLongArray buckets = new AtomicLongArray(BUCKETS);
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong maxMicros = new AtomicLong();
    private final AtomicLong chars = new AtomicLong();
    private final AtomicLong messages = new AtomicLong();
    /** The slowest delivery of each pin (by its number in the run), in us: which pins make the tail. */
    private final AtomicLongArray slowestByPin = new AtomicLongArray(4096);

    void record(String message) {
      int at = message.indexOf("bench-");
      if (at < 0) {
        return;
      }
      int dash = message.indexOf('-', at + 6);
      if (Long.parseLong(message.substring(at + 6, dash)) <= WARMUP) {
        return;
      }
      chars.addAndGet(message.length());
      if (messages.incrementAndGet() == 1 && Boolean.getBoolean("printMessage")) {
        System.out.println("  a message: " + message);
      }
      int end = dash + 1;
      while (end < message.length() && Character.isDigit(message.charAt(end))) {
        end++;
      }
      Instant now = Instant.now();
      long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000
          - Long.parseLong(message.substring(dash + 1, end));
      add(Math.max(0, micros / 100), 1, micros);
      int pin = (int) Math.min(slowestByPin.length() - 1, Long.parseLong(message.substring(at + 6, dash)) - WARMUP);
      slowestByPin.accumulateAndGet(pin, micros, Math::max);
    }

    void add(long bucket, long n, long micros) {
      buckets.addAndGet((int) Math.min(BUCKETS - 1, bucket), n);
      count.addAndGet(n);
      maxMicros.accumulateAndGet(micros, Math::max);
    }

    long count() {
      return count.get();
    }

    double percentileMs(double p) {
      long rank = (long) Math.ceil(p / 100 * count.get());
      long seen = 0;
      for (int i = 0; i < BUCKETS; i++) {
        seen += buckets.get(i);
        if (seen >= rank && seen > 0) {
          return (i + 1) / 10.0; // the bucket's upper edge
        }
      }
      return Double.NaN;
    }

    double maxMs() {
      return maxMicros.get() / 1000.0;
    }

    /** The slowest delivery of each of the first {@code pins} pins, in ms. */
    String slowestByPin(long pins) {
      StringBuilder out = new StringBuilder();
      for (int i = 1; i <= Math.min(pins, slowestByPin.length() - 1); i++) {
        out.append(i == 1 ? "" : " ").append(slowestByPin.get(i) / 1000);
      }
      return out.toString();
    }

    /** The mean length of the pin messages received, in characters (bytes, for this ASCII JSON). */
    long meanMessageChars() {
      return messages.get() == 0 ? 0 : chars.get() / messages.get();
    }
  }

  // ---- servers, as separate processes ----

  private static final class Server implements AutoCloseable {
    final Process process;
    final int port;
    /** Where a Pinstream server's /metrics is (its management port); the peers have none. */
    final int managementPort;

    private Server(Process process, int port, int managementPort) {
      this.process = process;
      this.port = port;
      this.managementPort = managementPort;
    }

    String base() {
      return "http://127.0.0.1:" + port;
    }

    /** The server's Prometheus samples without labels, by name. */
    Map<String, Double> metrics() throws Exception {
      Map<String, Double> samples = new java.util.HashMap<>();
      String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      body.lines().filter(l -> !l.startsWith("#") && !l.contains("{")).forEach(l -> {
        String[] parts = l.split(" ");
        if (parts.length == 2) {
          samples.put(parts[0], Double.parseDouble(parts[1]));
        }
      });
      return samples;
    }

    long pid() {
      return process.pid();
    }

    boolean isJava() {
      return process.info().command().orElse("").endsWith("java");
    }

    static Server pinstream(String db, String name) throws Exception {
      int port = freePort();
      int managementPort = freePort();
      List<String> command = new ArrayList<>(List.of("java"));
      String options = System.getProperty("serverJvm", SERVER_JVM) + " " + System.getProperty("serverJvmArgs", "");
      if (!options.isBlank()) {
        command.addAll(List.of(options.trim().split("\\s+")));
      }
      command.addAll(List.of("-jar", JAR.toString()));
      ProcessBuilder pb = new ProcessBuilder(command);
      Map<String, String> env = pb.environment();
      env.put("PINSTREAM_HTTP_HOST", "127.0.0.1");
      env.put("PINSTREAM_HTTP_PORT", Integer.toString(port));
      env.put("PINSTREAM_MANAGEMENT_PORT", Integer.toString(managementPort));
      env.put("PINSTREAM_HTTP_SHUTDOWN_GRACE_SECONDS", "1");
      // 1 event loop, like the peers' one JavaScript thread: the load client needs the other core.
      // 0 = one per core, the service's default.
      env.put("PINSTREAM_HTTP_INSTANCES", System.getProperty("serverLoops", "1"));
      env.put("PINSTREAM_PG_URI", "postgresql://postgres@127.0.0.1:5432/" + db);
      env.put("PINSTREAM_REDIS_KEY_PREFIX", db + ":");
      env.put("PINSTREAM_MEDIA_DIR", Files.createTempDirectory("pinstream-bench-live").toString());
      env.put("PINSTREAM_AUTH_BCRYPT_COST", "4");
      // The publisher makes 2 pins a second for minutes: past a real pinner's pace (60 a minute).
      env.put("PINSTREAM_RATE_LIMITS_PINS_PER_USER_PER_MINUTE", "100000");
      // Every load-client connection comes from 127.0.0.1.
      env.put("PINSTREAM_LIVE_MAX_CONNECTIONS_PER_ADDRESS", "1000000");
      env.put("PINSTREAM_ACCESS_LOG", "OFF");
      env.put("PINSTREAM_LOG_LEVEL", "WARN");
      pb.redirectErrorStream(true).redirectOutput(new File("target/live-bench-" + name + ".log"));
      Server server = new Server(pb.start(), port, managementPort);
      server.awaitHttp("/ready");
      return server;
    }

    static Server node(String script) throws Exception {
      int port = freePort();
      ProcessBuilder pb = new ProcessBuilder("node", script).directory(NODE.toFile());
      pb.environment().put("PORT", Integer.toString(port));
      pb.redirectErrorStream(true).redirectOutput(new File("target/live-bench-" + script + ".log"));
      Server server = new Server(pb.start(), port, -1);
      server.awaitHttp("/publish-ready-probe");
      return server;
    }

    /** Until the server answers anything at all on {@code path} (200 for /ready). */
    private void awaitHttp(String path) throws Exception {
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline) {
        try {
          int status = HTTP.send(HttpRequest.newBuilder(URI.create(base() + path)).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode();
          if (status == 200 || !path.equals("/ready")) {
            return;
          }
        } catch (Exception notYet) {
          // starting
        }
        Thread.sleep(200);
      }
      throw new IllegalStateException("server on port " + port + " did not start");
    }

    boolean publishRaw(String topic, String title) throws Exception {
      return HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/publish"))
              .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("topic", topic).put("title", title).encode()))
              .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 204;
    }

    @Override
    public void close() throws Exception {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }

    private static int freePort() throws Exception {
      try (ServerSocket s = new ServerSocket(0)) {
        return s.getLocalPort();
      }
    }
  }

  /** One Node process of Socket.IO clients (see socketio-client.js). */
  private static final class NodeClient {
    private final Process process;
    private final BufferedReader out;
    private final Writer in;

    NodeClient(String url, int connections, String topic, int warmup, int burst) throws Exception {
      process = new ProcessBuilder("node", "socketio-client.js", url, Integer.toString(connections), topic,
          Integer.toString(warmup), Integer.toString(burst), Long.toString(BURST_TICK_MS))
          .directory(NODE.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    int awaitReady() throws Exception {
      JsonObject ready = new JsonObject(out.readLine());
      if (ready.getInteger("failed", 0) > 0) {
        System.out.println("  " + ready.getInteger("failed") + " Socket.IO connections failed");
      }
      return ready.getInteger("ready");
    }

    void report(Histogram into) throws Exception {
      in.write("report\n");
      in.flush();
      JsonObject report = new JsonObject(out.readLine());
      long max = report.getLong("max_us");
      report.getJsonObject("buckets").forEach(e -> into.add(Long.parseLong(e.getKey()), ((Number) e.getValue()).longValue(), 0));
      into.add(0, 0, max);
    }

    void close() {
      process.destroy();
    }
  }

  // ---- memory ----

  /** Summed over a run's server processes: resident set, and for JVMs the heap in use after a full GC. */
  private record Memory(long rssKb, long heapKb) {
    static Memory of(List<Server> servers) throws Exception {
      long rss = 0;
      long heap = 0;
      for (Server s : servers) {
        if (s.isJava()) {
          BenchApp.run("jcmd", Long.toString(s.pid()), "GC.run");
          String info = BenchApp.run("jcmd", Long.toString(s.pid()), "GC.heap_info");
          var m = java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
          while (m.find()) { // G1: one heap line; Parallel: young and old generation lines
            heap += Long.parseLong(m.group(1));
          }
        }
        rss += settledRssKb(s.pid());
      }
      return new Memory(rss, heap);
    }

    /**
     * The process's resident set once it stopped changing (the same within 1 MB for a second, at most
     * 15 s). G1 gives a shrunk heap's memory back to the OS in the background after a collection, so
     * read at once the "before" figure still held what a large warm-up had used, and with 10,000
     * warm-up sockets the per-connection figure came out negative.
     */
    private static long settledRssKb(long pid) throws Exception {
      long deadline = System.currentTimeMillis() + 15_000;
      long last = rssKb(pid);
      int steady = 0;
      while (steady < 5 && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
        long now = rssKb(pid);
        steady = Math.abs(now - last) < 1024 ? steady + 1 : 0;
        last = now;
      }
      return last;
    }

    private static long rssKb(long pid) throws IOException {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
      return 0;
    }

    PerConnection minus(Memory before, int connections) {
      return new PerConnection((rssKb - before.rssKb) * 1024.0 / connections,
          heapKb == 0 ? Double.NaN : (heapKb - before.heapKb) * 1024.0 / connections);
    }
  }

  private record PerConnection(double rssBytes, double heapBytes) {
  }

  /** User and system CPU time of some processes, from /proc (in clock ticks of 10 ms). */
  private record CpuTime(List<Long> pids, long userTicks, long systemTicks) {
    static CpuTime of(List<Long> pids) throws IOException {
      long user = 0;
      long system = 0;
      for (long pid : pids) {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        user += Long.parseLong(fields[11]); // utime, the 14th field of the whole line
        system += Long.parseLong(fields[12]); // stime
      }
      return new CpuTime(pids, user, system);
    }

    String since(long messages) throws IOException {
      CpuTime now = of(pids);
      double perTick = 10_000.0 / messages;
      return String.format("%.1f us (user %.1f, system %.1f)", (now.userTicks - userTicks + now.systemTicks - systemTicks) * perTick,
          (now.userTicks - userTicks) * perTick, (now.systemTicks - systemTicks) * perTick);
    }
  }

  private record Result(String name, int attempted, int subscribers, long published, Histogram latencies,
                        PerConnection memory) {
    /** Loss is counted against every socket attempted: a refused subscriber lost every pin. */
    String row() {
      long expected = (long) attempted * published;
      return String.format("| %s | %,d / %,d | %,d / %,d (%s) | %.1f | %.1f | %.1f | %.1f KB | %s |", name, subscribers,
          attempted, latencies.count(), expected,
          latencies.count() == expected ? "no loss" : String.format("%.3f%% lost", 100.0 * (expected - latencies.count()) / expected),
          latencies.percentileMs(50), latencies.percentileMs(99), latencies.maxMs(), memory.rssBytes() / 1024,
          Double.isNaN(memory.heapBytes()) ? "n/a" : String.format("%.1f KB", memory.heapBytes() / 1024));
    }
  }

  private static String version(String pkg) throws Exception {
    return new JsonObject(Files.readString(NODE.resolve("node_modules").resolve(pkg).resolve("package.json")))
        .getString("version");
  }
}
