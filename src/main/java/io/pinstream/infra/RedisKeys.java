package io.pinstream.infra;

/**
 * Every Redis key the service writes starts with one configurable prefix, so several deployments
 * (or test runs) can share one Redis without touching each other's keys.
 */
public record RedisKeys(String prefix) {
  public String key(Object... parts) {
    StringBuilder b = new StringBuilder(prefix);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        b.append(':');
      }
      b.append(parts[i]);
    }
    return b.toString();
  }
}
