package io.pinstream.infra;

import io.pinstream.config.Config;
import io.pinstream.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.impl.types.SimpleStringType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The cluster channel against the real Redis, on a key prefix of its own. */
class ClusterChannelTest {
  record Note(int n) {
  }

  private Vertx vertx;
  private Redis redis;
  private ClusterChannel channel;
  private final AtomicInteger resubscribed = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    Config.Redis config = Config.from(ConfigLoader.defaults()).redis();
    String uri = System.getenv().getOrDefault("PINSTREAM_REDIS_URI", config.uri());
    config = new Config.Redis(uri, "test:" + UUID.randomUUID() + ":", config.poolSize(), config.commandTimeoutMs());
    redis = RedisClients.commands(vertx, config);
    // A keepalive every 100 ms: the subscriber connection sees PING replies among the messages all the time.
    channel = new ClusterChannel(vertx, redis, new LocalEvents(vertx), config, new RedisKeys(config.keyPrefix()), 100);
    channel.onResubscribed(resubscribed::incrementAndGet);
  }

  @AfterEach
  void stop() throws Exception {
    channel.stop().await(5, TimeUnit.SECONDS);
    redis.close().await(5, TimeUnit.SECONDS);
    vertx.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("under a steady stream and a fast keepalive, every message arrives once, without a reconnect")
  void keepaliveUnderLoad() throws Exception {
    ClusterChannel.Type<Note> notes = channel.register("note", Note.class, n -> Integer.toString(n.n()),
        text -> new Note(Integer.parseInt(text)));
    List<Integer> received = new CopyOnWriteArrayList<>();
    notes.subscribe(note -> received.add(note.n())).completion().await(5, TimeUnit.SECONDS);
    channel.start().await(5, TimeUnit.SECONDS);
    int total = 3000;
    long deadline = System.currentTimeMillis() + 20_000;
    for (int batch = 0; batch < total; batch += 100) {
      List<Future<Void>> sent = new ArrayList<>();
      for (int i = batch; i < batch + 100; i++) {
        sent.add(notes.publish(new Note(i)));
      }
      Future.all(sent).await(10, TimeUnit.SECONDS);
      Thread.sleep(10); // spread over a second or so: many keepalive rounds in between
    }
    while (received.size() < total && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    // Published from a pool of connections, so in no particular order; each exactly once.
    assertThat(received).hasSize(total).doesNotHaveDuplicates();
    // Quiet for ten keepalive rounds: only the PING replies are heard, and they keep the subscription.
    Thread.sleep(1000);
    assertThat(resubscribed).as("re-subscriptions").hasValue(0);
    assertThat(channel.subscribed()).isTrue();
  }

  @Test
  @DisplayName("a PONG handed to the subscriber's handler (RESP3) is a sign of life, not a message to fail on")
  void pongIsNotAMessage() throws Exception {
    ClusterChannel.Type<Note> notes = channel.register("note", Note.class, n -> Integer.toString(n.n()),
        text -> new Note(Integer.parseInt(text)));
    List<Integer> received = new CopyOnWriteArrayList<>();
    notes.subscribe(note -> received.add(note.n())).completion().await(5, TimeUnit.SECONDS);
    channel.start().await(5, TimeUnit.SECONDS);
    vertx.runOnContext(v -> channel.receive(SimpleStringType.create("PONG")));
    notes.publish(new Note(7)).await(5, TimeUnit.SECONDS);
    long deadline = System.currentTimeMillis() + 5000;
    while (received.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(received).containsExactly(7);
    assertThat(resubscribed).hasValue(0);
  }

  @Test
  @DisplayName("message types are typed values: a type of another name or body is refused at registration")
  void registration() {
    channel.register("note", Note.class, n -> Integer.toString(n.n()), text -> new Note(Integer.parseInt(text)));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> channel.register("note", Note.class,
        n -> "", t -> new Note(0))).isInstanceOf(IllegalStateException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> channel.register("two words", Note.class,
        n -> "", t -> new Note(0))).isInstanceOf(IllegalArgumentException.class);
  }
}
