package io.pinstream.accounts;

import io.pinstream.testing.TestApp;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Sessions end when unused")
class SessionIdleTest {
  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("auth").put("session_idle_seconds", 2));

  @Test
  @DisplayName("a session in use stays; one left idle past auth.session_idle_seconds is 401, through every cache")
  void idleSessionsEnd() throws Exception {
    String used = app.api().signUpAndLogIn("busy");
    String idle = app.api().logIn("busy", "correct horse");
    assertThat(app.api().get("/api/v1/feeds/home", idle).status()).isEqualTo(200);
    // 'used' is used every half second for 4 s; 'idle' is left alone meanwhile.
    for (int i = 0; i < 8; i++) {
      assertThat(app.api().get("/api/v1/feeds/home", used).status()).isEqualTo(200);
      Thread.sleep(500);
    }
    assertThat(app.api().get("/api/v1/feeds/home", used).status()).isEqualTo(200);
    assertThat(app.api().get("/api/v1/feeds/home", idle).status()).isEqualTo(401);
  }
}
