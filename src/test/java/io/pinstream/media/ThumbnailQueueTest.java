package io.pinstream.media;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pinstream.infra.LocalEvents;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The queue alone, against a stand-in worker: no database, no renderer. */
@DisplayName("Thumbnail queue: single flight and reservations")
class ThumbnailQueueTest {
  private static final int MEDIA = 300;

  private Vertx vertx;
  private LocalEvents events;
  private SimpleMeterRegistry metrics;
  private ThumbnailQueue queue;
  private final Map<Long, AtomicInteger> jobsPerMedia = new ConcurrentHashMap<>();
  private final Map<Long, Promise<Media>> held = new ConcurrentHashMap<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    events = new LocalEvents(vertx);
    metrics = new SimpleMeterRegistry();
    queue = new ThumbnailQueue(vertx, events, null, 4, 10 * MEDIA, 60, metrics);
    // The stand-in worker holds every job until the test lets it finish.
    events.responder(ThumbnailJob.class, job -> {
      jobsPerMedia.computeIfAbsent(job.media().id(), id -> new AtomicInteger()).incrementAndGet();
      Promise<Media> done = Promise.promise();
      held.put(job.media().id(), done);
      return done.future();
    }).completion().await(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static Media media(long id) {
    return new Media(id, "0".repeat(64), ImageFormat.JPEG, 1, 1, 1, Media.PROCESSING, null, null, null);
  }

  /** Two contexts on two different event loops (each deployment takes the next loop). */
  private Context[] twoLoops() throws Exception {
    Context[] loops = new Context[2];
    for (int i = 0; i < loops.length; i++) {
      int n = i;
      vertx.deployVerticle(new VerticleBase() {
        @Override
        public Future<?> start() throws Exception {
          loops[n] = context;
          return super.start();
        }
      }).await(5, TimeUnit.SECONDS);
    }
    assertThat(loops[0]).isNotSameAs(loops[1]);
    return loops;
  }

  private double depth() {
    return metrics.get("pinstream.thumbnail.queue.depth").gauge().value();
  }

  @Test
  @DisplayName("two event loops asking for the same media at the same instant start one job, and give back both places")
  void sameMediaFromTwoLoopsRunsOnce() throws Exception {
    Context[] loops = twoLoops();
    AtomicInteger arrived = new AtomicInteger();
    List<CompletableFuture<List<Future<Media>>>> callers = new ArrayList<>();
    for (Context loop : loops) {
      CompletableFuture<List<Future<Media>>> calls = new CompletableFuture<>();
      callers.add(calls);
      loop.runOnContext(v -> {
        List<Future<Media>> mine = new ArrayList<>();
        for (int id = 0; id < MEDIA; id++) {
          // Both loops reach each media together (a spin, not a barrier: a woken thread would come too late).
          arrived.incrementAndGet();
          long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
          while (arrived.get() < 2 * (id + 1)) {
            if (System.nanoTime() > giveUp) {
              calls.completeExceptionally(new AssertionError("the other loop never came (same thread?)"));
              return;
            }
            Thread.onSpinWait();
          }
          assertThat(queue.tryReserve()).isTrue();
          mine.add(queue.run(new ThumbnailJob(media(id), null, true)));
        }
        calls.complete(mine);
      });
    }
    List<Future<Media>> all = new ArrayList<>();
    for (var calls : callers) {
      all.addAll(calls.get(30, TimeUnit.SECONDS));
    }
    waitFor(() -> held.size() == MEDIA);
    assertThat(jobsPerMedia).hasSize(MEDIA);
    assertThat(jobsPerMedia.values().stream().filter(n -> n.get() > 1).count()).as("media whose job was sent twice")
        .isZero();
    // Each joined caller gave its place back at once; each job holds one place until it ends.
    assertThat(depth()).isEqualTo(MEDIA);

    held.forEach((id, job) -> job.complete(media(id)));
    for (Future<Media> call : all) {
      assertThat(call.await(10, TimeUnit.SECONDS)).isNotNull();
    }
    waitFor(() -> depth() == 0);
    assertThat(depth()).isZero();
  }

  @Test
  @DisplayName("a caller that joins a job started on another event loop hears of it on its own loop")
  void joinerIsAnsweredOnItsOwnContext() throws Exception {
    Context[] loops = twoLoops();
    Context starter = loops[0];
    Context joiner = loops[1];
    CompletableFuture<Context> answeredOn = new CompletableFuture<>();
    CompletableFuture<Void> joined = new CompletableFuture<>();
    starter.runOnContext(v -> {
      assertThat(queue.tryReserve()).isTrue();
      queue.run(new ThumbnailJob(media(7), null, true));
      joiner.runOnContext(w -> {
        assertThat(queue.tryReserve()).isTrue();
        queue.run(new ThumbnailJob(media(7), null, true))
            .onComplete(done -> answeredOn.complete(Vertx.currentContext()));
        joined.complete(null);
      });
    });
    joined.get(10, TimeUnit.SECONDS);
    waitFor(() -> held.containsKey(7L));
    held.get(7L).complete(media(7));
    assertThat(answeredOn.get(10, TimeUnit.SECONDS)).isSameAs(joiner);
    assertThat(jobsPerMedia.get(7L).get()).isEqualTo(1);
  }

  @Test
  @DisplayName("a job that fails gives its place back once, and the next request for that media starts a new job")
  void failedJobReleasesOnce() throws Exception {
    assertThat(queue.tryReserve()).isTrue();
    Future<Media> first = queue.run(new ThumbnailJob(media(9), null, true));
    waitFor(() -> held.containsKey(9L));
    assertThat(depth()).isEqualTo(1);
    held.remove(9L).fail("disk full");
    assertThatThrownBy(() -> first.await(5, TimeUnit.SECONDS)).hasMessageContaining("disk full");
    waitFor(() -> depth() == 0);
    assertThat(depth()).isZero();

    assertThat(queue.tryReserve()).isTrue();
    queue.run(new ThumbnailJob(media(9), null, true));
    waitFor(() -> held.containsKey(9L));
    assertThat(jobsPerMedia.get(9L).get()).isEqualTo(2);
    held.remove(9L).complete(media(9));
    waitFor(() -> depth() == 0);
    assertThat(depth()).isZero();
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 500 && !condition.getAsBoolean(); i++) {
      Thread.sleep(10);
    }
  }
}
