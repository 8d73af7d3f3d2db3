package io.pinstream.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of a test's own, on a spare port, in a temp folder: fault tests stop, freeze and
 * restart it without touching the shared Redis. It keeps an RDB file only when asked ({@link #save()}),
 * so a restart comes back empty unless the test saved first.
 */
public final class PrivateRedis implements AutoCloseable, org.junit.jupiter.api.extension.AfterAllCallback {
  private final int port;
  private final Path dir;
  private Process process;

  public PrivateRedis() {
    try {
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      dir = Files.createTempDirectory("pinstream-redis");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    start();
  }

  public String uri() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  public int port() {
    return port;
  }

  /** Starts it (again); with the RDB file of the last {@link #save()}, if any. */
  public void start() {
    try {
      process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--dbfilename", "dump.rdb")
          .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
      long deadline = System.currentTimeMillis() + 10_000;
      while (!answers()) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("redis-server did not start on port " + port);
        }
        Thread.sleep(20);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Writes its data to the RDB file now, so a restart comes back with it. */
  public void save() {
    command("SAVE");
  }

  /** Kills it at once (its data is lost, unless saved before). */
  public void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /** SIGSTOP: the server keeps its connections but answers nothing, like a frozen machine. */
  public void freeze() {
    signal("STOP");
  }

  public void thaw() {
    signal("CONT");
  }

  /** Sends one inline command and returns the first reply line. */
  public String command(String line) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write((line + "\r\n").getBytes());
      byte[] buffer = new byte[512];
      int n = socket.getInputStream().read(buffer);
      return n <= 0 ? "" : new String(buffer, 0, n).lines().findFirst().orElse("");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private boolean answers() {
    try {
      return command("PING").contains("PONG");
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  private void signal(String name) {
    try {
      new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process != null) {
      thaw();
    }
    kill();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp folder
    }
  }

  /** As an extension (register it before the TestApp that uses it): stopped after the app. */
  @Override
  public void afterAll(org.junit.jupiter.api.extension.ExtensionContext context) {
    close();
  }

  @Override
  public String toString() {
    return "redis-server on " + port + " in " + dir;
  }
}
