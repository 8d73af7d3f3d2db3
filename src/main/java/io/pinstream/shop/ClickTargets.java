package io.pinstream.shop;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Where {@code /go/{pin_id}} sends a viewer: the pin's link, merchant and owner, cached for a few
 * seconds so a popular pin costs no database round trip per redirect. A pin deleted meanwhile keeps
 * redirecting for at most {@link #TTL_MS}. The cache is bounded: when full it is simply emptied.
 */
public final class ClickTargets {
  static final long TTL_MS = 10_000;
  private static final int MAX_ENTRIES = 100_000;
  private final Pool pool;
  private final ConcurrentHashMap<Long, Target> cache = new ConcurrentHashMap<>();

  /** {@code link} is null for a pin without one; {@code merchantVerified} whether its merchant proved its domain. */
  record Target(long pinId, String link, Long merchantId, boolean merchantVerified, long ownerId, long loadedAt) {
  }

  public ClickTargets(Pool pool) {
    this.pool = pool;
  }

  /** The pin's target, or null when there is no such (live) pin. */
  Future<Target> find(long pinId) {
    long now = System.currentTimeMillis();
    Target cached = cache.get(pinId);
    if (cached != null && now - cached.loadedAt() < TTL_MS) {
      return Future.succeededFuture(cached);
    }
    return pool.preparedQuery("""
            SELECT p.link, p.merchant_id, p.owner_id, m.domain_verified_at IS NOT NULL AS verified
              FROM pins p LEFT JOIN merchants m ON m.id = p.merchant_id
             WHERE p.id = $1 AND p.deleted_at IS NULL""")
        .execute(Tuple.of(pinId))
        .map(rows -> {
          if (rows.size() == 0) {
            cache.remove(pinId);
            return null;
          }
          Row row = rows.iterator().next();
          Target target = new Target(pinId, row.getString("link"), row.getLong("merchant_id"),
              Boolean.TRUE.equals(row.getBoolean("verified")), row.getLong("owner_id"), now);
          if (cache.size() >= MAX_ENTRIES) {
            cache.clear();
          }
          cache.put(pinId, target);
          return target;
        });
  }
}
