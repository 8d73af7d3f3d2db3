package io.pinstream.infra;

import io.pinstream.config.Config;
import io.pinstream.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-event-loop Redis connections, against the real Redis. */
class MultiplexedRedisTest {
  private static Vertx vertx;
  private static Redis redis;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    var config = ConfigLoader.defaults();
    config.getJsonObject("redis").put("uri", System.getenv().getOrDefault("PINSTREAM_REDIS_URI", "redis://127.0.0.1:6379/0"));
    redis = RedisClients.commands(vertx, Config.from(config).redis());
  }

  @AfterAll
  static void tearDown() {
    redis.close().await();
    vertx.close().await();
  }

  @Test
  @DisplayName("the commands of one event loop share one connection, and concurrent ones are pipelined on it")
  void oneConnectionPerLoop() throws Exception {
    var context = vertx.getOrCreateContext();
    List<Future<Response>> ids = new ArrayList<>();
    Future.<Void>future(p -> context.runOnContext(v -> {
      for (int i = 0; i < 50; i++) {
        ids.add(redis.send(Request.cmd(Command.CLIENT).arg("ID")));
      }
      p.complete();
    })).await(5, TimeUnit.SECONDS);
    Set<Long> connections = new HashSet<>();
    for (Future<Response> id : ids) {
      connections.add(id.await(5, TimeUnit.SECONDS).toLong());
    }
    assertThat(connections).hasSize(1);
    // Off the event loops (a worker, a test thread) the pool answers, on a connection of its own.
    assertThat(redis.send(Request.cmd(Command.CLIENT).arg("ID")).await(5, TimeUnit.SECONDS).toLong())
        .isNotIn(connections);
  }

  @Test
  @DisplayName("a loop's connection that Redis closes is replaced, and commands carry on")
  void reconnects() throws Exception {
    var context = vertx.getOrCreateContext();
    long first = Future.<Response>future(p -> context.runOnContext(v ->
        redis.send(Request.cmd(Command.CLIENT).arg("ID")).onComplete(p))).await(5, TimeUnit.SECONDS).toLong();
    // Killed from another connection, as a Redis restart or a proxy timeout would.
    redis.send(Request.cmd(Command.CLIENT).arg("KILL").arg("ID").arg(first)).await(5, TimeUnit.SECONDS);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    Long second = null;
    while (second == null && System.nanoTime() < deadline) {
      try {
        second = Future.<Response>future(p -> context.runOnContext(v ->
            redis.send(Request.cmd(Command.CLIENT).arg("ID")).onComplete(p))).await(5, TimeUnit.SECONDS).toLong();
      } catch (Exception e) {
        Thread.sleep(20); // a command sent before the close was noticed fails with it, like on a pooled connection
      }
    }
    assertThat(second).isNotNull().isNotEqualTo(first);
  }
}
