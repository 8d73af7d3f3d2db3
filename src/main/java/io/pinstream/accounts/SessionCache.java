package io.pinstream.accounts;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;

/**
 * Sessions this process looked up in the last few seconds, so that most authenticated requests
 * need no network round trip at all. Shared by every event loop of the process.
 *
 * <p>Revocation stays immediate: the node that revokes forgets the session at once, and every
 * node forgets it when the revocation arrives over the cluster channel ({@link #forget}). Should
 * that message be missed (the subscription was reconnecting), the node forgets everything it holds
 * ({@link #forgetAll}), and in any case an entry lives at most {@link #TTL}.
 */
final class SessionCache {
  static final Duration TTL = Duration.ofSeconds(10);
  private final Cache<String, Entry> byFingerprint = Caffeine.newBuilder()
      .maximumSize(100_000)
      .expireAfterWrite(TTL)
      .executor(Runnable::run) // eviction bookkeeping on the caller's thread, not the common pool
      .build();

  /** The user, and when the session itself expires (a cached entry never outlives its session). */
  private record Entry(UserRef user, long expiresAtMillis) {
  }

  UserRef get(String fingerprint) {
    Entry entry = byFingerprint.getIfPresent(fingerprint);
    if (entry == null) {
      return null;
    }
    if (entry.expiresAtMillis <= System.currentTimeMillis()) {
      byFingerprint.invalidate(fingerprint);
      return null;
    }
    return entry.user;
  }

  void put(String fingerprint, UserRef user, long secondsLeft) {
    byFingerprint.put(fingerprint, new Entry(user, System.currentTimeMillis() + secondsLeft * 1000));
  }

  /** A session was revoked (here or on another node). */
  void forget(String fingerprint) {
    byFingerprint.invalidate(fingerprint);
  }

  /** Revocations may have been missed. */
  void forgetAll() {
    byFingerprint.invalidateAll();
  }
}
