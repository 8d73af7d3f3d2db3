package io.pinstream.testing;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pinstream.PinstreamApp;
import io.pinstream.config.Config;
import io.pinstream.config.ConfigLoader;
import io.pinstream.infra.Database;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Starts the real application for one test class: its own PostgreSQL database (created by the
 * production migrations), its own Redis key prefix and media folder, an HTTP port chosen by the OS.
 * Everything is removed again after the class. PostgreSQL and Redis are the real local servers
 * ({@code PINSTREAM_PG_URI} / {@code PINSTREAM_REDIS_URI} point elsewhere when set).
 *
 * <pre>
 * {@literal @}RegisterExtension
 * static TestApp app = new TestApp(config -> config.getJsonObject("rate_limits").put(...));
 * </pre>
 */
public final class TestApp implements BeforeAllCallback, AfterAllCallback {
  private final Consumer<JsonObject> customize;
  private final String runId = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private Vertx vertx;
  private PinstreamApp app;
  private Config config;
  private JsonObject configJson;
  private Path mediaDir;
  private ApiClient client;

  public TestApp() {
    this(json -> {
    });
  }

  public TestApp(Consumer<JsonObject> customize) {
    this.customize = customize;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    String className = context.getRequiredTestClass().getSimpleName().toLowerCase(Locale.ROOT);
    mediaDir = Files.createTempDirectory("pinstream-test-media");
    configJson = testConfig(className);
    config = Config.from(configJson);
    start();
  }

  private JsonObject testConfig(String className) {
    JsonObject json = ConfigLoader.defaults();
    String pgBase = System.getenv().getOrDefault("PINSTREAM_PG_URI", "postgresql://postgres@127.0.0.1:5432/pinstream");
    String database = "pinstream_test_" + className.replaceAll("[^a-z0-9]", "") + "_" + runId;
    URI base = URI.create(pgBase);
    json.getJsonObject("pg").put("uri", base.getScheme() + "://" + base.getRawAuthority() + "/" + database).put("pool_size", 8);
    json.getJsonObject("redis")
        .put("uri", System.getenv().getOrDefault("PINSTREAM_REDIS_URI", "redis://127.0.0.1:6379/0"))
        .put("key_prefix", "test:" + runId + ":");
    json.getJsonObject("http").put("port", 0).put("instances", 1).put("host", "127.0.0.1").put("shutdown_grace_seconds", 5);
    json.getJsonObject("management").put("port", 0);
    // The start-up warm-up of the live path costs seconds per start; LiveWarmUpTest runs it.
    json.getJsonObject("live").put("warm_up_connections", 0);
    // Merchants' domains count as verified (example.com and friends cannot serve a token);
    // DomainVerificationTest checks the real thing against a local server.
    json.getJsonObject("shop").put("domain_verification", "off");
    json.getJsonObject("media").put("dir", mediaDir.toString());
    json.getJsonObject("auth").put("bcrypt_cost", 4);
    // Tests sign up many users from one address; RateLimitTest sets its own small limits.
    JsonObject limits = json.getJsonObject("rate_limits");
    limits.fieldNames().forEach(name -> limits.put(name, name.contains("bytes") ? 1L << 40 : 100_000));
    customize.accept(json);
    return json;
  }

  /** Starts the application (again, after {@link #stop()}), on the same database and media folder. */
  public void start() throws Exception {
    PrometheusMeterRegistry registry = PinstreamApp.newRegistry();
    vertx = PinstreamApp.createVertx(registry);
    app = PinstreamApp.start(vertx, config, registry).await(60, TimeUnit.SECONDS);
    client = new ApiClient("http://127.0.0.1:" + app.port());
  }

  /** Stops the application gracefully, keeping its data (for restart tests). */
  public void stop() throws Exception {
    if (app != null) {
      app.stop().await(30, TimeUnit.SECONDS);
      vertx.close().await(30, TimeUnit.SECONDS);
      app = null;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    stop();
    Database.dropDatabase(config.pg());
    deleteRedisKeys();
    try (Stream<Path> files = Files.walk(mediaDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: it is a temp folder
    }
  }

  /** What FLUSHDB does to this application: every key it owns is gone (other runs' keys are left alone). */
  public void flushRedis() throws Exception {
    deleteRedisKeys();
  }

  private void deleteRedisKeys() throws Exception {
    Vertx cleanup = Vertx.vertx();
    try {
      Redis redis = Redis.createClient(cleanup, config.redis().uri());
      deleteKeys(RedisAPI.api(redis), config.redis().keyPrefix());
      redis.close();
    } finally {
      cleanup.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Deletes every key under {@code prefix} (what FLUSHDB would do to one deployment's keys); call off the event loops. */
  public static void deleteKeys(RedisAPI api, String prefix) throws Exception {
    String cursor = "0";
    do {
      var reply = api.scan(List.of(cursor, "MATCH", prefix + "*", "COUNT", "1000")).await(10, TimeUnit.SECONDS);
      cursor = reply.get(0).toString();
      List<String> keys = new ArrayList<>();
      reply.get(1).forEach(k -> keys.add(k.toString()));
      if (!keys.isEmpty()) {
        api.del(keys).await(10, TimeUnit.SECONDS);
      }
    } while (!"0".equals(cursor));
  }

  /** A plain JDBC connection to this test's database (works while the application is stopped). */
  public java.sql.Connection jdbc() throws java.sql.SQLException {
    var pg = Database.connectOptions(config.pg());
    return java.sql.DriverManager.getConnection("jdbc:postgresql://" + pg.getHost() + ":" + pg.getPort() + "/"
        + pg.getDatabase(), pg.getUser(), pg.getPassword());
  }

  /** A client of the management port ({@code /metrics}). */
  public ApiClient management() {
    return new ApiClient("http://127.0.0.1:" + app.managementPort());
  }

  /** A sample from the management port's {@code /metrics}: the first line of that name (any labels), 0 when absent. */
  public double metric(String name) {
    for (String line : management().get("/metrics").body().split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  public ApiClient api() {
    return client;
  }

  /** The configuration as JSON (a copy), e.g. for a second node in a process of its own ({@link NodeProcess}). */
  public JsonObject configJson() {
    return configJson.copy();
  }

  public Config config() {
    return config;
  }

  /** The application's Redis, for checks behind its back. */
  public RedisAPI redis() {
    return RedisAPI.api(app.components().redis());
  }

  public PinstreamApp app() {
    return app;
  }

  public Vertx vertx() {
    return vertx;
  }

  public int port() {
    return app.port();
  }
}
