package io.pinstream.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Configuration")
class ConfigLoaderTest {
  @Test
  @DisplayName("defaults match the documented ones")
  void defaults() {
    Config config = ConfigLoader.load(Map.of("PINSTREAM_CONFIG", "src/test/resources/no-overrides.json"));
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.pg().uri()).isEqualTo("postgresql://postgres@127.0.0.1:5432/pinstream");
    assertThat(config.redis().uri()).isEqualTo("redis://127.0.0.1:6379/0");
    assertThat(config.media().dir().toString()).isEqualTo("./data/media");
    assertThat(config.media().maxUploadBytes()).isEqualTo(20L * 1024 * 1024);
    assertThat(config.media().maxPixels()).isEqualTo(40_000_000L);
  }

  @Test
  @DisplayName("every setting can be overridden by PINSTREAM_SECTION_KEY")
  void environmentOverrides() {
    Config config = ConfigLoader.load(Map.of(
        "PINSTREAM_CONFIG", "src/test/resources/no-overrides.json",
        "PINSTREAM_HTTP_PORT", "9090",
        "PINSTREAM_PG_URI", "postgresql://app:secret@db.internal:6432/pins",
        "PINSTREAM_REDIS_URI", "redis://cache:6380/2",
        "PINSTREAM_MEDIA_DIR", "/var/lib/pinstream",
        "PINSTREAM_HTTP_TRUST_FORWARDED_FOR", "true"));
    assertThat(config.http().port()).isEqualTo(9090);
    assertThat(config.pg().uri()).isEqualTo("postgresql://app:secret@db.internal:6432/pins");
    assertThat(config.redis().uri()).isEqualTo("redis://cache:6380/2");
    assertThat(config.media().dir().toString()).isEqualTo("/var/lib/pinstream");
    assertThat(config.http().trustForwardedFor()).isTrue();
  }

  @Test
  @DisplayName("a wrong setting fails with one line naming the variable")
  void wrongSettings() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("PINSTREAM_HTTP_PORT", "eighty")))
        .isInstanceOf(ConfigException.class).hasMessage("PINSTREAM_HTTP_PORT must be a whole number, got 'eighty'");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("PINSTREAM_HTTP_PORT", "70000")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("PINSTREAM_HTTP_PORT must be a whole number from 0 to 65535");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("PINSTREAM_PG_URI", "mysql://x/y")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("PINSTREAM_PG_URI");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("PINSTREAM_CONFIG", "/no/such/file.json")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("PINSTREAM_CONFIG");
  }
}
