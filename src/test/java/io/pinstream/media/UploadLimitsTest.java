package io.pinstream.media;

import io.pinstream.testing.TestApp;
import io.pinstream.testing.TestPhotos;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Per-user upload limits: uploads an hour and bytes a day, refused before a byte is read")
class UploadLimitsTest {
  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("rate_limits")
      .put("uploads_per_user_per_hour", 3).put("upload_bytes_per_user_per_day", 400_000));

  @Test
  @DisplayName("past the uploads an hour: 429 with Retry-After; another user is not affected")
  void uploadsPerHour() {
    String token = app.api().signUpAndLogIn("eager_uploader");
    for (int i = 0; i < 3; i++) {
      assertThat(app.api().upload(token, TestPhotos.jpeg(200 + i, 100)).status()).isIn(201, 202);
    }
    var refused = app.api().upload(token, TestPhotos.jpeg(300, 100));
    assertThat(refused.status()).isEqualTo(429);
    assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 3600);
    assertThat(app.api().upload(app.api().signUpAndLogIn("calm_uploader"), TestPhotos.jpeg(301, 100)).status())
        .isIn(201, 202);
  }

  @Test
  @DisplayName("past the bytes a day: 429 at once, and what was refused counts nothing")
  void bytesPerDay() {
    String token = app.api().signUpAndLogIn("heavy_uploader");
    byte[] big = new byte[450_000]; // declared length over the day's quota: refused unread
    var refused = app.api().upload(token, big);
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.json().getString("code")).isEqualTo("rate_limited");
    assertThat(app.api().upload(token, TestPhotos.jpeg(320, 200)).status()).isIn(201, 202);
  }
}
