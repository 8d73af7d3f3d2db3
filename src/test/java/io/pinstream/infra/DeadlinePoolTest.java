package io.pinstream.infra;

import io.pinstream.config.Config;
import io.pinstream.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Deadlines on the real PostgreSQL, through a pool of one connection (so waiting is easy to cause). */
class DeadlinePoolTest {
  private static Vertx vertx;
  private static Pool raw;
  private static DeadlinePool pool;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    var json = ConfigLoader.defaults();
    URI base = URI.create(System.getenv().getOrDefault("PINSTREAM_PG_URI", "postgresql://postgres@127.0.0.1:5432/postgres"));
    json.getJsonObject("pg").put("uri", base.getScheme() + "://" + base.getRawAuthority() + "/postgres").put("pool_size", 1);
    raw = Database.pool(vertx, Config.from(json).pg());
    pool = new DeadlinePool(raw, 300);
  }

  @AfterAll
  static void tearDown() {
    raw.close().await();
    vertx.close().await();
  }

  @Test
  @DisplayName("a statement past its deadline fails with a TimeoutException naming PostgreSQL; the pool goes on")
  void statementDeadline() throws Exception {
    long start = System.nanoTime();
    assertThatThrownBy(() -> pool.query("SELECT pg_sleep(2)").execute().await(10, TimeUnit.SECONDS))
        .isInstanceOf(TimeoutException.class).hasMessageContaining("PostgreSQL did not answer within 300 ms");
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1500);
    // The server finishes the sleep; then the one connection serves again.
    assertThat(new DeadlinePool(raw, 5000).query("SELECT 1").execute().await(10, TimeUnit.SECONDS).size()).isEqualTo(1);
  }

  @Test
  @DisplayName("a connection acquired after its deadline goes back to the pool instead of leaking")
  void lateConnectionReturned() throws Exception {
    SqlConnection held = raw.getConnection().await(10, TimeUnit.SECONDS);
    Future<SqlConnection> late = pool.getConnection();
    assertThatThrownBy(() -> late.await(10, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class)
        .hasMessageContaining("PostgreSQL did not answer within 300 ms");
    held.close().await(10, TimeUnit.SECONDS); // the waiting acquisition now gets it, after its deadline
    // With the only connection leaked, this would wait for ever (the pool's own wait is 5 s).
    SqlConnection again = new DeadlinePool(raw, 8000).getConnection().await(10, TimeUnit.SECONDS);
    again.close().await(10, TimeUnit.SECONDS);
  }
}
