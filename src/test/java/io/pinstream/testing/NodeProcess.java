package io.pinstream.testing;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Pinstream node in a JVM of its own ({@code io.pinstream.Main}, the test classpath), so a test can
 * kill it with SIGKILL mid-work: no shutdown hook runs, nothing is drained, as when a machine dies.
 * It shares the test's configuration (database, Redis prefix, media folder) with the test's own
 * in-process node, which is the survivor that must finish the dead node's work. Its log goes to
 * {@code target/node-<port>.log}.
 */
public final class NodeProcess implements AutoCloseable {
  private final Process process;
  private final ApiClient api;
  private final Path config;

  private NodeProcess(Process process, int port, Path config) {
    this.process = process;
    this.api = new ApiClient("http://127.0.0.1:" + port);
    this.config = config;
  }

  public static NodeProcess start(JsonObject configJson) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    JsonObject json = configJson.copy();
    json.getJsonObject("http").put("port", port);
    json.getJsonObject("management").put("port", 0);
    Path config = Files.createTempFile("pinstream-node", ".json");
    Files.writeString(config, json.encodePrettily());
    Path log = Path.of("target", "node-" + port + ".log");
    ProcessBuilder builder = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), "io.pinstream.Main"))
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("PINSTREAM_"));
    builder.environment().put("PINSTREAM_CONFIG", config.toString());
    NodeProcess node = new NodeProcess(builder.start(), port, config);
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (!node.process.isAlive()) {
        throw new IllegalStateException("the node exited at start: see " + log.toAbsolutePath());
      }
      try {
        if (node.api.get("/health").status() == 200) {
          return node;
        }
      } catch (IllegalStateException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    node.close();
    throw new IllegalStateException("the node did not start within 60 s: see " + log.toAbsolutePath());
  }

  public ApiClient api() {
    return api;
  }

  /** SIGKILL: the JVM ends at once, with no shutdown hook and no drain. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the node did not die");
    }
  }

  @Override
  public void close() throws Exception {
    kill();
    Files.deleteIfExists(config);
  }
}
