package io.pinstream.accounts;

import io.pinstream.http.BearerTokens;
import io.pinstream.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;

/**
 * Bearer sessions. A token is 256 random bits; only its SHA-256 is stored (a fast hash is right
 * here: the token has full entropy, unlike a password). Revoking sets {@code revoked_at}, so the
 * token stops working at once and the row stays for audit.
 *
 * <p>Every authenticated request looks its session up, so valid sessions are cached in Redis for a
 * few minutes (by the same hash); revoking deletes the cached copy in the same call, so revocation
 * is still immediate on every node.
 */
public final class SessionStore {
  private static final String TOKEN_PREFIX = "pst_";
  private static final int CACHE_SECONDS = 300;
  private final Pool pool;
  private final RedisAPI redis;
  private final RedisKeys keys;
  private final int ttlDays;

  public SessionStore(Pool pool, RedisAPI redis, RedisKeys keys, int ttlDays) {
    this.pool = pool;
    this.redis = redis;
    this.keys = keys;
    this.ttlDays = ttlDays;
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
    String cacheKey = cacheKey(hash);
    return redis.get(cacheKey)
        .otherwise(e -> null) // the cache being down is not a reason to refuse anyone
        .compose(cached -> {
          if (cached != null) {
            String[] idAndName = cached.toString().split(":", 2);
            return Future.succeededFuture(new UserRef(Long.parseLong(idAndName[0]), idAndName[1]));
          }
          return pool.preparedQuery("""
                  SELECT u.id, u.username, extract(epoch FROM s.expires_at - now())::bigint AS seconds_left
                    FROM sessions s JOIN users u ON u.id = s.user_id
                   WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()""")
              .execute(Tuple.of(hash))
              .map(rows -> {
                if (rows.size() == 0) {
                  return null;
                }
                Row row = rows.iterator().next();
                UserRef user = new UserRef(row.getLong("id"), row.getString("username"));
                long ttl = Math.max(1, Math.min(CACHE_SECONDS, row.getLong("seconds_left")));
                redis.setex(cacheKey, Long.toString(ttl), user.id() + ":" + user.username());
                return user;
              });
        });
  }

  public Future<Void> revoke(String token) {
    Buffer hash = hash(token);
    return pool.preparedQuery("UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL")
        .execute(Tuple.of(hash))
        .compose(v -> redis.del(List.of(cacheKey(hash))))
        .mapEmpty();
  }

  private String cacheKey(Buffer hash) {
    return keys.key("session", HexFormat.of().formatHex(hash.getBytes()));
  }

  /** A name for a session that is not its token (hex SHA-256): what may be logged or broadcast. */
  public static String fingerprint(String token) {
    return HexFormat.of().formatHex(hash(token).getBytes());
  }

  static Buffer hash(String token) {
    return BearerTokens.sha256(token);
  }
}
