package io.pinstream.accounts;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import io.pinstream.common.Problems;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * bcrypt (salted, slow by design) on a small dedicated worker pool: hashing takes tens of
 * milliseconds of CPU, so it must never run on an event loop, and a burst of logins must not
 * take every worker thread either. Passwords over bcrypt's 72-byte limit are pre-hashed with
 * SHA-512 instead of being silently truncated. The pool's queue is bounded: past {@code capacity}
 * checks running or waiting, more are refused at once with 503 (a burst of logins must not queue
 * seconds of CPU work, nor grow memory).
 */
public final class PasswordHasher {
  private static final BCrypt.Version VERSION = BCrypt.Version.VERSION_2B;
  private final WorkerExecutor workers;
  private final int cost;
  private final int capacity;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final BCrypt.Hasher hasher = BCrypt.with(VERSION, LongPasswordStrategies.hashSha512(VERSION));
  private final BCrypt.Verifyer verifier = BCrypt.verifyer(VERSION, LongPasswordStrategies.hashSha512(VERSION));
  /** Compared against when the user does not exist, so timing does not reveal which usernames exist. */
  private final String decoy;

  public PasswordHasher(WorkerExecutor workers, int cost, int capacity) {
    this.workers = workers;
    this.cost = cost;
    this.capacity = capacity;
    this.decoy = hasher.hashToString(cost, "decoy-password".toCharArray());
  }

  public Future<String> hash(String password) {
    return bounded(() -> hasher.hashToString(cost, password.toCharArray()));
  }

  /** True when the password matches; with a null hash, spends the same time and answers false. */
  public Future<Boolean> verify(String password, String hash) {
    return bounded(() -> {
      byte[] candidate = password.getBytes(StandardCharsets.UTF_8);
      boolean ok = verifier.verify(candidate, (hash == null ? decoy : hash).getBytes(StandardCharsets.UTF_8)).verified;
      return ok && hash != null;
    });
  }

  private <T> Future<T> bounded(java.util.concurrent.Callable<T> work) {
    if (inFlight.incrementAndGet() > capacity) {
      inFlight.decrementAndGet();
      return Future.failedFuture(Problems.unavailable("password_checks_busy",
          "Too many sign-ins are being checked right now; retry in a moment", 1));
    }
    return workers.executeBlocking(work, false).onComplete(done -> inFlight.decrementAndGet());
  }
}
