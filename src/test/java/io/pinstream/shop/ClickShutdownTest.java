package io.pinstream.shop;

import io.pinstream.testing.TestApp;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Clicks and shutdown")
class ClickShutdownTest {
  // Nothing is written until shutdown: a flush once a minute, batches larger than the test makes.
  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("shop").put("click_flush_ms", 60_000)
      .put("click_batch_size", 10_000));
  static Shop shop = new Shop(app);

  @Test
  @DisplayName("clicks still buffered when the app stops gracefully are all written before the pool closes")
  void noClickLost() throws Exception {
    String token = shop.api().signUpAndLogIn("shutdowner");
    String pinId = shop.postPin(token, "https://example.com/buffered", null).json().getString("id");
    int clicks = 300;
    for (int i = 0; i < clicks; i++) {
      assertThat(shop.go(pinId, Shop.BROWSER, null).status()).isEqualTo(200);
    }
    assertThat(shop.count("SELECT count(*) FROM clicks")).as("still buffered").isZero();

    app.stop();
    app.start();

    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1", Long.parseLong(pinId))).isEqualTo(clicks);
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1 AND counted", Long.parseLong(pinId))).isEqualTo(1);
    assertThat(shop.api().get("/api/v1/pins/" + pinId).json().getInteger("click_count")).isEqualTo(1);
  }
}
