package io.pinstream.web;

import io.pinstream.common.Problems;
import io.vertx.core.VertxException;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;

import static org.assertj.core.api.Assertions.assertThat;

class FailureHandlerTest {
  private static PgException postgres(String sqlState) {
    return new PgException("the database system is shutting down", "FATAL", sqlState, null);
  }

  @Test
  @DisplayName("a bug whose message mentions a timeout is a 500, not a 503")
  void messagesDecideNothing() {
    assertThat(FailureHandler.statusOf(new IllegalStateException("session timeout is negative"))).isEqualTo(500);
    assertThat(FailureHandler.statusOf(new VertxException("connection closed by the parser", true))).isEqualTo(500);
    assertThat(FailureHandler.statusOf(postgres("23502"))).as("not null violation").isEqualTo(500);
  }

  @Test
  @DisplayName("dependencies that are down, restarting or timing out are 503, whatever the wrapping")
  void unavailableByType() {
    assertThat(FailureHandler.statusOf(new NoStackTraceTimeoutException("timed out"))).isEqualTo(503);
    assertThat(FailureHandler.statusOf(new ConnectException("refused"))).isEqualTo(503);
    assertThat(FailureHandler.statusOf(ClosedConnectionException.INSTANCE)).isEqualTo(503);
    assertThat(FailureHandler.statusOf(new RuntimeException(new ConnectException("refused")))).isEqualTo(503);
    assertThat(FailureHandler.statusOf(new java.net.SocketException("Connection reset"))).isEqualTo(503);
    assertThat(FailureHandler.statusOf(new io.netty.channel.unix.Errors.NativeIoException("recvAddress(..)", -104)))
        .as("a connection reset by PostgreSQL as it shuts down, on the epoll transport").isEqualTo(503);
    for (String state : new String[]{"57P01", "57P02", "57P03", "08006", "08001", "53300"}) {
      assertThat(FailureHandler.statusOf(postgres(state))).as(state).isEqualTo(503);
    }
    assertThat(FailureHandler.statusOf(Problems.unavailable("redis_unavailable", "down", 2))).isEqualTo(503);
  }
}
