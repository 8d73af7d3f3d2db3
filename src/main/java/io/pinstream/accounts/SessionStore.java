package io.pinstream.accounts;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;

/**
 * Bearer sessions. A token is 256 random bits; only its SHA-256 is stored (a fast hash is right
 * here: the token has full entropy, unlike a password). Revoking sets {@code revoked_at}, so the
 * token stops working at once and the row stays for audit.
 */
public final class SessionStore {
  private static final String TOKEN_PREFIX = "pst_";
  private final SecureRandom random = new SecureRandom();
  private final Pool pool;
  private final int ttlDays;

  public SessionStore(Pool pool, int ttlDays) {
    this.pool = pool;
    this.ttlDays = ttlDays;
  }

  /** Creates a session and returns its token, the only time the token exists outside the client. */
  public Future<String> create(long userId) {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String token = TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
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
    return pool.preparedQuery("""
            SELECT u.id, u.username FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()""")
        .execute(Tuple.of(hash(token)))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row row = rows.iterator().next();
          return new UserRef(row.getLong("id"), row.getString("username"));
        });
  }

  public Future<Void> revoke(String token) {
    return pool.preparedQuery("UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL")
        .execute(Tuple.of(hash(token)))
        .mapEmpty();
  }

  static Buffer hash(String token) {
    try {
      return Buffer.buffer(MessageDigest.getInstance("SHA-256").digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
