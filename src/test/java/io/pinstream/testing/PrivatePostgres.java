package io.pinstream.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL cluster of a test's own ({@code pg_createcluster} on a spare port, trust auth), which
 * the test may stop and restart without touching the shared server. Dropped after the class. Needs
 * Debian's postgresql-common tools and root, as the CI machine has.
 */
public final class PrivatePostgres implements AfterAllCallback {
  private final String version;
  private final String name = "pstest" + UUID.randomUUID().toString().substring(0, 8);
  private final int port;

  public PrivatePostgres() {
    try {
      try (var versions = Files.list(Path.of("/etc/postgresql"))) {
        version = versions.map(p -> p.getFileName().toString()).sorted().findFirst().orElseThrow();
      }
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    run("pg_createcluster", version, name, "-p", Integer.toString(port), "--start", "--", "-A", "trust");
  }

  /** Whether this machine can make clusters (Debian's postgresql-common); tests assume it. */
  public static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/pg_createcluster")) && Files.isDirectory(Path.of("/etc/postgresql"));
  }

  public String uri(String database) {
    return "postgresql://postgres@127.0.0.1:" + port + "/" + database;
  }

  /** Restarts the server (fast shutdown: sessions are ended, as in a real restart or failover). */
  public void restart() {
    run("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart", "-m", "fast");
  }

  public void stop() {
    run("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "stop", "-m", "fast");
  }

  public void start() {
    run("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start");
  }

  /**
   * Freezes the server with SIGSTOP, the postmaster first (so it starts nobody new) and then every
   * backend: open connections stay open and answer nothing, new ones wait in the listen queue, as
   * with a hung host or a lost network.
   */
  public void freeze() {
    String postmaster = postmasterPid();
    run("kill", "-STOP", postmaster);
    run("pkill", "-STOP", "-P", postmaster);
  }

  public void thaw() {
    String postmaster = postmasterPid();
    run("pkill", "-CONT", "-P", postmaster);
    run("kill", "-CONT", postmaster);
  }

  private String postmasterPid() {
    try {
      return Files.readAllLines(Path.of("/var/lib/postgresql", version, name, "postmaster.pid")).get(0).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      thaw();
    } catch (RuntimeException notRunning) {
      // stopped by the test: nothing to thaw
    }
    run("pg_dropcluster", "--stop", version, name);
  }

  private static void run(String... command) {
    try {
      Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
