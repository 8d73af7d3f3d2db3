package io.pinstream.accounts;

import io.pinstream.common.BearerTokens;
import io.pinstream.config.Config;
import io.pinstream.infra.ClusterChannel;
import io.pinstream.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;

/**
 * Bearer sessions. A token is 256 random bits; only its SHA-256 is stored (a fast hash is right
 * here: the token has full entropy, unlike a password). Revoking sets {@code revoked_at}, so the
 * token stops working at once and the row stays for audit.
 *
 * <p>Every authenticated request looks its session up, so valid sessions are cached: for seconds in
 * this process ({@link SessionCache}), for a few minutes in Redis (by the same hash). Revoking
 * replaces the Redis copy with a tombstone and drops the local one, and tells every node over the
 * cluster channel ({@link #revocations()}): they drop theirs and close the live connections opened
 * with it. A node whose subscription was down may have missed revocations: it forgets every cached
 * session when it subscribes again.
 */
public final class SessionStore {
  private static final String TOKEN_PREFIX = "pst_";
  private static final int CACHE_SECONDS = 300;
  /** The cached copy of a revoked session: a tombstone, so a lookup racing the revocation cannot cache it again. */
  private static final String REVOKED = "revoked";
  private static final Logger log = LoggerFactory.getLogger(SessionStore.class);
  private final Pool pool;
  private final RedisAPI redis;
  private final RedisKeys keys;
  private final int ttlDays;
  private final int idleSeconds;
  private final SessionCache local = new SessionCache();
  private final ClusterChannel.Type<SessionRevoked> revocations;

  public SessionStore(Pool pool, RedisAPI redis, RedisKeys keys, Config.Auth auth, ClusterChannel cluster) {
    this.pool = pool;
    this.redis = redis;
    this.keys = keys;
    this.ttlDays = auth.sessionTtlDays();
    this.idleSeconds = auth.sessionIdleSeconds();
    this.revocations = cluster.register("session_revoked", SessionRevoked.class, SessionRevoked::fingerprint,
        SessionRevoked::new);
    revocations.subscribe(revoked -> local.forget(revoked.fingerprint()));
    cluster.onResubscribed(local::forgetAll);
  }

  /** Sessions revoked on any node (live connections opened with one are closed). */
  public ClusterChannel.Type<SessionRevoked> revocations() {
    return revocations;
  }

  /** Creates a session and returns its token, the only time the token exists outside the client. */
  public Future<String> create(long userId) {
    String token = BearerTokens.random(TOKEN_PREFIX, 32);
    OffsetDateTime expires = OffsetDateTime.now(ZoneOffset.UTC).plusDays(ttlDays);
    return pool.preparedQuery("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
        .execute(Tuple.of(hash(token), userId, expires))
        .map(token);
  }

  /** The session's user, or null when the token is unknown, expired or revoked. */
  public Future<UserRef> find(String token) {
    if (token == null || !token.startsWith(TOKEN_PREFIX) || token.length() > 100) {
      return Future.succeededFuture(null);
    }
    Buffer hash = hash(token);
    String fingerprint = fingerprint(hash);
    UserRef known = local.get(fingerprint);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    String cacheKey = keys.key("session", fingerprint);
    return redis.get(cacheKey)
        .otherwise(e -> null) // the cache being down is not a reason to refuse anyone
        .compose(cached -> {
          if (cached != null && REVOKED.equals(cached.toString())) {
            return Future.succeededFuture(null);
          }
          // "id:expires_at_epoch_seconds:username"
          String[] parts = cached == null ? null : cached.toString().split(":", 3);
          if (parts != null && parts.length == 3) {
            UserRef user = new UserRef(Long.parseLong(parts[0]), parts[2]);
            local.put(fingerprint, user, Long.parseLong(parts[1]) - System.currentTimeMillis() / 1000);
            return Future.succeededFuture(user);
          }
          // Checks the session and marks it used in one statement: an idle session has ended.
          return pool.preparedQuery("""
                  UPDATE sessions s SET last_seen_at = now() FROM users u
                   WHERE s.token_hash = $1 AND u.id = s.user_id AND s.revoked_at IS NULL AND s.expires_at > now()
                     AND s.last_seen_at > now() - make_interval(secs => $2)
                  RETURNING u.id, u.username, extract(epoch FROM s.expires_at - now())::bigint AS seconds_left""")
              .execute(Tuple.of(hash, idleSeconds))
              .map(rows -> {
                if (rows.size() == 0) {
                  return null;
                }
                Row row = rows.iterator().next();
                UserRef user = new UserRef(row.getLong("id"), row.getString("username"));
                // Cached for less than the idle limit, so a session in use is seen (and kept alive) in time.
                long secondsLeft = Math.min(row.getLong("seconds_left"), Math.max(1, idleSeconds / 2));
                long expiresAt = System.currentTimeMillis() / 1000 + secondsLeft;
                // NX: a revocation that landed since the SELECT left a tombstone, which must win.
                redis.set(List.of(cacheKey, user.id() + ":" + expiresAt + ":" + user.username(),
                    "EX", Long.toString(Math.max(1, Math.min(CACHE_SECONDS, secondsLeft))), "NX"));
                local.put(fingerprint, user, secondsLeft);
                return user;
              });
        });
  }

  /**
   * Revokes the session everywhere. Telling the other nodes is best effort (the revocation itself has
   * happened, and their cached copies live seconds): a failure there is logged, not the caller's.
   */
  public Future<Void> revoke(String token) {
    Buffer hash = hash(token);
    String fingerprint = fingerprint(hash);
    return pool.preparedQuery("UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL")
        .execute(Tuple.of(hash))
        .compose(v -> revoked(fingerprint));
  }

  /** After the row is revoked: this node's copy goes, Redis keeps a tombstone, every node is told. */
  private Future<Void> revoked(String fingerprint) {
    local.forget(fingerprint);
    return redis.set(List.of(keys.key("session", fingerprint), REVOKED, "EX", Integer.toString(CACHE_SECONDS)))
        .compose(v -> revocations.publish(new SessionRevoked(fingerprint)).recover(e -> {
          log.warn("telling the other nodes that a session was revoked failed: {}", e.toString());
          return Future.succeededFuture();
        }))
        .mapEmpty();
  }

  /**
   * Log out everywhere: every session of the user is revoked, on every node, and the live connections
   * opened with them are closed.
   */
  public Future<Void> revokeAll(long userId) {
    return pool.preparedQuery("UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL "
            + "RETURNING token_hash")
        .execute(Tuple.of(userId))
        .compose(rows -> {
          List<Future<Void>> told = new java.util.ArrayList<>();
          for (Row row : rows) {
            told.add(revoked(fingerprint(row.getBuffer(0))));
          }
          return Future.all(told).mapEmpty();
        });
  }

  /** A name for a session that is not its token (hex SHA-256): what may be logged or broadcast. */
  public static String fingerprint(String token) {
    return fingerprint(hash(token));
  }

  private static String fingerprint(Buffer hash) {
    return HexFormat.of().formatHex(hash.getBytes());
  }

  static Buffer hash(String token) {
    return BearerTokens.sha256(token);
  }
}
