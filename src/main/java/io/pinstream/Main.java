package io.pinstream;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pinstream.config.Config;
import io.pinstream.config.ConfigException;
import io.pinstream.config.ConfigLoader;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/** {@code java -jar pinstream.jar}: loads the configuration, starts the service, stops it on SIGTERM. */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
    JvmTuning.apply();
    Config config;
    try {
      config = ConfigLoader.load(System.getenv());
    } catch (ConfigException e) {
      fail(e.getMessage());
      return;
    }
    PrometheusMeterRegistry registry = PinstreamApp.newRegistry();
    Vertx vertx = PinstreamApp.createVertx(registry);
    PinstreamApp app;
    try {
      app = PinstreamApp.start(vertx, config, registry).await(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e;
      while (cause.getCause() != null && !(cause instanceof ConfigException)) {
        cause = cause.getCause();
      }
      vertx.close();
      fail(cause instanceof ConfigException ? cause.getMessage() : "startup failed: " + cause);
      return;
    }
    JvmTuning.lowerC2Priority(); // compiler threads the JVM added during the start (it adds them as its queue grows)
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down: draining in-flight requests");
      try {
        app.stop().eventually(vertx::close).await(config.http().shutdownGraceSeconds() + 10L, TimeUnit.SECONDS);
        log.info("stopped");
      } catch (Exception e) {
        log.warn("shutdown did not finish cleanly: {}", e.toString());
      }
    }, "pinstream-shutdown"));
  }

  private static void fail(String message) {
    System.err.println("pinstream: " + message);
    System.exit(2);
  }
}
