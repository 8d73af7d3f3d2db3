package io.pinstream.live;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the live path for real before the node says it is ready: a few thousand WebSockets from this
 * process to itself are opened, subscribed, pinged, sent pin-sized messages by each hub through the
 * same dispatch and socket writes as a real pin, and closed, a thousand at a time; then the node waits
 * for the JIT compiler to go quiet. Only then does {@code /ready} answer 200. The sockets go the way a
 * client's do: the handshake's checks (origin, address count, caller), a subscribe frame parsed and
 * answered with the topic's position read from Redis, the close; they skip only the per-address cap
 * and the access log. Until 30 Nov they were put straight into their topic, and the client's way
 * (header lookups, the address count, JSON frames in and out) was still being compiled by C2 while the
 * first pins after a reconnect wave went out (JFR compilation events; BENCHMARKS.md, round six).
 *
 * <p>Why: the first traffic of a new node is typically a reconnect wave after a deploy, thousands of
 * clients at once, and a JVM seconds old runs that code interpreted, then spends a compiler thread's
 * worth of CPU for tens of seconds compiling it, on a machine whose every core the broadcast needs.
 * Measured with the burst shape of LiveBenchmark (BENCHMARKS.md, "Live push", round four): on a 2-core
 * box the compiler threads took about 40% of the server's CPU while the first pins were broadcast.
 *
 * <p>The warm-up's sockets present a random key of this process in a header ({@link #HEADER}) and
 * are subscribed to a topic no client can name ({@code board:0}: board ids start at 1), so no client
 * sees a warm-up message and the warm-up needs no account, board or database row. The key is only
 * accepted while the warm-up runs. Each round travels as a real pin's event does, published to Redis
 * and received on the node's cluster subscription, so that path is compiled too; it carries this
 * node's id (not the key), and other nodes drop it. A round Redis does not take goes to the hubs over
 * the local event bus instead.
 *
 * <p>What the first real pin does must be something the warm-up did, down to each branch: C2 compiles
 * a branch never taken as a trap, and a pin that springs one in the dispatch loop sends that loop back
 * to the interpreter in the middle of its broadcast. So rounds stand after the position the sockets
 * were told, in the topic's own epoch; each round also goes to a topic without subscribers; and the
 * warm-up's messages are counted by a counter of the same class as the clients' ({@link LiveHub}); and
 * each round's pin is encoded anew, nulls included ({@link #samplePin}). And once the JIT is quiet, one
 * more batch runs (see {@link #SETTLING_ROUNDS}).
 *
 * <p>Every round also pings the batch's sockets, which answer: a node pings each of its connections
 * every {@code live.ping_seconds}, 400 a second at 10,000 connections, and the ping and pong paths
 * (netty's pipeline write, Vert.x futures, frame decoding) were among what C2 still compiled while
 * the first pins after a reconnect wave went out (JFR compilation events; BENCHMARKS.md, round five).
 */
public final class LiveWarmUp {
  static final String HEADER = "X-Pinstream-Warm-Up";
  static final String TOPIC = Topic.board(0);
  /** A topic no socket can subscribe to (board ids are positive), which each round is also sent to. */
  static final String UNHEARD = Topic.board(-1);
  private static final String SUBSCRIBE = "{\"type\":\"subscribe\",\"topic\":\"" + TOPIC + "\"}";
  /**
   * Broadcasts per batch of sockets. With the default 10,000 sockets in batches of 1,000 the hubs write
   * 150,000 messages: past the counts (some 15,000 calls, or ~60,000 iterations of a loop) at which
   * HotSpot gives the dispatch loop and the per-socket write path their final compiled form (C2's;
   * C1's optimised code under PINSTREAM_JIT=c1-network, see JvmTuning). The default was 5,000 until
   * 30 Nov: a 10,000-socket wave then still pushed the handshake's, the subscribe's and the JSON
   * parser's code over C2's thresholds, and those compiles ran while the first pins went out (BENCHMARKS.md,
   * "Live push", round six: pin 1's slowest delivery, median of 9-10 runs, went from 283 to 182 ms).
   */
  static final int ROUNDS_PER_BATCH = 15;
  /**
   * Broadcasts of the settling pass: one more batch once the JIT went quiet. While the warm-up runs, C2's
   * queue is long, and HotSpot then raises the counts a method needs before C2 takes it (Tier4LoadFeedback):
   * the dispatch loop, run by 150,000 messages, was still C1's profiling code at the end of some warm-ups,
   * and C2 compiled it only during the first pins after the wave (JFR compilation events; BENCHMARKS.md,
   * "Live push", round seven). With the queue empty, the counts this pass adds (20,000 loop iterations per
   * event loop, past the 2^13 at which C1's code asks for C2 again) get such methods compiled.
   */
  static final int SETTLING_ROUNDS = 40;
  /** Sockets open at once (each costs the process two file descriptors: both ends are here). */
  private static final int MAX_OPEN = 1000;
  private static final int MIN_BATCH = 50;
  private static final int DESCRIPTOR_RESERVE = 1024;
  /** The warm-up topic's epoch when Redis could not say its own: its messages carry positions, as a board's do. */
  static final String EPOCH = "warmup";
  private static final long ROUND_TIMEOUT_MS = 2000;
  /** The JIT counts as quiet when it compiled for less than this many ms in the last interval. */
  private static final long QUIET_COMPILE_MS = 40;
  private static final long QUIET_INTERVAL_MS = 500;
  private static final long MAX_QUIET_WAIT_MS = 15_000;
  private static final Logger log = LoggerFactory.getLogger(LiveWarmUp.class);

  private final String key = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
  /** Names this node's rounds on the cluster channel (not secret: the key is what admits a socket). */
  private final String node = HexFormat.of().formatHex(new SecureRandom().generateSeed(8));
  private volatile boolean running;
  /** Messages the last warm-up's sockets received (the pinstream.live.warm_up.messages gauge). */
  private final AtomicLong received = new AtomicLong();
  /**
   * The warm-up topic's position in Redis when the warm-up began, which its sockets are told when they
   * subscribe: round n is at offset top + n of that epoch, after it, as a new pin is after what a
   * board's subscribers were told. With rounds in an epoch of their own, the dispatch loop's check
   * "is this event after the subscriber's position" never compared two offsets, C2 compiled that
   * comparison as a trap, and pin 1 after the wave sprang it: both event loops' dispatch loops fell
   * back to the interpreter for that pin and were compiled again over the next 900 ms (JFR
   * deoptimization events; BENCHMARKS.md, "Live push", round seven).
   */
  private volatile LiveEvent.Position top = new LiveEvent.Position(EPOCH, 0);

  /** A round of the warm-up, handed to every hub of node {@code node} on its own event loop: a ping, then the event. */
  record Round(String node, LiveEvent event) {
    /** On the cluster channel: {@code <node> <the event as LiveEvent.encode writes it>}. */
    String encode() {
      return node + ' ' + event.encode();
    }

    static Round decode(String text) {
      int space = text.indexOf(' ');
      return new Round(text.substring(0, space), LiveEvent.decode(text.substring(space + 1)));
    }
  }

  /** This node's round {@code n}: {@code pin} at offset top + n of the warm-up topic. */
  Round round(long n, String pin) {
    LiveEvent.Position at = new LiveEvent.Position(top.epoch(), top.offset() + n);
    return new Round(node, new LiveEvent(n, 0, "warm_up", 0, pin, at, null, null));
  }

  /** Whether a round received from the cluster channel is one of this node's warm-up (others drop it). */
  boolean ours(Round round) {
    return node.equals(round.node());
  }

  /** Messages the last warm-up's sockets received: one "subscribed" each, then one per round of its batch. */
  long messages() {
    return received.get();
  }

  /** Whether the node is warming up (its readiness probe then says 503). */
  public boolean running() {
    return running;
  }

  /** Whether a handshake carrying this header value is one of the warm-up's own sockets. */
  boolean admits(String header) {
    return running && header != null
        && MessageDigest.isEqual(key.getBytes(StandardCharsets.US_ASCII), header.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Opens {@code connections} WebSockets to {@code host:port}, at most {@value #MAX_OPEN} at a time
   * (fewer where the file descriptor limit says so); each batch is subscribed, gets
   * {@value #ROUNDS_PER_BATCH} pings and broadcasts, and is closed. Then waits for the JIT to go
   * quiet, runs one more batch of {@value #SETTLING_ROUNDS} rounds and waits again. Never fails: a
   * warm-up that goes wrong is logged and the node starts cold.
   */
  public Future<Void> run(Vertx vertx, LiveRelay relay, String host, int port, int connections) {
    int batch = Math.min(Math.min(connections, MAX_OPEN), descriptorBudget());
    if (connections <= 0 || batch < MIN_BATCH) {
      if (connections > 0) {
        log.info("live warm-up skipped: the file descriptor limit leaves room for {} sockets", batch);
      }
      return Future.succeededFuture();
    }
    running = true;
    received.set(0);
    long started = System.nanoTime();
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(batch).setConnectTimeout(10_000).setMaxFrameSize(1 << 16));
    WebSocketConnectOptions target = new WebSocketConnectOptions().setHost(connectHost(host)).setPort(port)
        .setURI(LiveApi.PATH).addHeader(HEADER, key);
    JsonObject pin = samplePin();
    long[] expected = {0};
    long[] round = {0};
    Future<Void> chain = relay.history().position(Topic.Kind.BOARD, 0)
        .onSuccess(read -> top = read.position())
        .<Void>mapEmpty().otherwiseEmpty(); // without Redis the sockets are told no position: any epoch will do
    for (int opened = 0; opened < connections; opened += batch) {
      int size = Math.min(batch, connections - opened);
      chain = chain.compose(v -> batch(vertx, relay, client, target, size, pin, expected, round, ROUNDS_PER_BATCH));
    }
    long[] broadcastDone = new long[1];
    return chain
        .compose(v -> jitQuiet(vertx))
        // Once more with the compiler idle: see SETTLING_ROUNDS.
        .compose(v -> batch(vertx, relay, client, target, batch, pin, expected, round, SETTLING_ROUNDS))
        .compose(v -> {
          broadcastDone[0] = System.nanoTime();
          return client.close();
        })
        .compose(v -> jitQuiet(vertx))
        .transform(done -> {
          running = false;
          long ms = (System.nanoTime() - started) / 1_000_000;
          if (done.succeeded()) {
            log.info("live warm-up: {} sockets ({} at a time), {} broadcasts, {} messages in {} ms, then {} ms until the "
                    + "JIT compiler was quiet", connections, batch, round[0], received.get(),
                (broadcastDone[0] - started) / 1_000_000, (System.nanoTime() - broadcastDone[0]) / 1_000_000);
          } else {
            log.warn("live warm-up stopped after {} ms ({} messages): {}; the node starts cold", ms, received.get(),
                done.cause().toString());
            client.close();
          }
          return Future.succeededFuture();
        });
  }

  /**
   * One batch: {@code size} sockets opened and subscribed, {@code rounds} broadcasts (each
   * once every socket has the one before, so no buffer fills), each after a ping, then closed.
   */
  private Future<Void> batch(Vertx vertx, LiveRelay relay, WebSocketClient client, WebSocketConnectOptions target,
                             int size, JsonObject pin, long[] expected, long[] round, int rounds) {
    List<Future<WebSocket>> opening = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      opening.add(client.connect(target).onSuccess(ws -> {
        ws.textMessageHandler(text -> received.incrementAndGet());
        ws.writeTextMessage(SUBSCRIBE);
      }));
    }
    expected[0] += size; // every socket is told "subscribed" first: then all are in their hub's topic index
    Future<Void> chain = Future.all(opening).compose(all -> awaitCount(vertx, received, expected[0]));
    for (int r = 0; r < rounds; r++) {
      chain = chain.compose(v -> {
        relay.warmUp(round(++round[0], pin.encode()));
        expected[0] += size;
        return awaitCount(vertx, received, expected[0]);
      });
    }
    return chain.compose(v -> Future.join(opening.stream().map(ws -> ws.result().close()).toList())).mapEmpty();
  }

  /** How many loopback sockets the process can open for the warm-up: two descriptors each, a reserve kept. */
  private static int descriptorBudget() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      long free = unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount() - DESCRIPTOR_RESERVE;
      return (int) Math.max(0, Math.min(Integer.MAX_VALUE, free / 2));
    }
    return MAX_OPEN;
  }

  private static String connectHost(String host) {
    return host == null || host.isEmpty() || "0.0.0.0".equals(host) ? "127.0.0.1" : "::".equals(host) ? "::1" : host;
  }

  /** Until {@code counter} reaches {@code target}, checked every millisecond; fails after a while. */
  private static Future<Void> awaitCount(Vertx vertx, AtomicLong counter, long target) {
    Promise<Void> reached = Promise.promise();
    long deadline = System.currentTimeMillis() + ROUND_TIMEOUT_MS;
    vertx.setPeriodic(0, 1, id -> {
      if (counter.get() >= target) {
        vertx.cancelTimer(id);
        reached.tryComplete();
      } else if (System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        reached.tryFail("only " + counter.get() + " of " + target + " warm-up messages arrived");
      }
    });
    return reached.future();
  }

  /**
   * Until the JIT compiled for less than {@value #QUIET_COMPILE_MS} ms in a {@value #QUIET_INTERVAL_MS} ms
   * interval (what the warm-up made hot is compiled), at most {@value #MAX_QUIET_WAIT_MS} ms.
   */
  private static Future<Void> jitQuiet(Vertx vertx) {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
      return Future.succeededFuture();
    }
    Promise<Void> quiet = Promise.promise();
    long giveUp = System.currentTimeMillis() + MAX_QUIET_WAIT_MS;
    long[] last = {jit.getTotalCompilationTime()};
    vertx.setPeriodic(QUIET_INTERVAL_MS, id -> {
      long now = jit.getTotalCompilationTime();
      if (now - last[0] < QUIET_COMPILE_MS || System.currentTimeMillis() > giveUp) {
        vertx.cancelTimer(id);
        quiet.tryComplete();
      }
      last[0] = now;
    });
    return quiet.future();
  }

  /**
   * A pin's API object the size and shape of a real one (about 900 bytes), for messages like the real
   * ones. Each round encodes it again, nulls included: a pin without a link or product has nulls, and
   * JSON encoded during the warm-up had none, so C2 compiled the codec's encoder with a null check as a
   * trap, which the first real pin sprang (JFR deoptimization events; BENCHMARKS.md, round seven).
   */
  private static JsonObject samplePin() {
    JsonObject images = new JsonObject();
    for (int width : new int[] {236, 474, 736}) {
      images.put(width + "x", new JsonObject()
          .put("url", "/i/0000000000000000000000000000000000000000000000000000000000000000/" + width + "x.jpg")
          .put("width", width).put("height", width * 4 / 3));
    }
    return new JsonObject()
        .put("id", "7411939420469248000")
        .put("board_id", "7411939420469247999")
        .put("owner", new JsonObject().put("id", "7411939420469247998").put("username", "warm_up")
            .put("display_name", "Warm-up"))
        .put("title", "Linen summer dress with a square neckline")
        .put("description", "Warm-up message of a starting node: never sent to a client.")
        .put("link", null)
        .put("media", new JsonObject().put("id", "7411939420469247997").put("status", "ready").put("width", 1200)
            .put("height", 1600).put("dominant_color", "#c8b49a").put("images", images))
        .put("save_count", 0)
        .put("product", null)
        .put("created_at", "2026-11-30T00:00:00Z");
  }
}
