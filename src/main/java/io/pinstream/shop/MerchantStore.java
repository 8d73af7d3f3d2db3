package io.pinstream.shop;

import io.pinstream.common.BearerTokens;
import io.pinstream.common.Problems;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;


/**
 * Merchants and their API keys. A key is 256 random bits shown once at creation; only its SHA-256 is
 * stored (a fast hash is right for a full-entropy secret), so a leaked table leaks no usable key.
 */
public final class MerchantStore {
  public static final String KEY_PREFIX = "psk_";
  private final Pool pool;

  public MerchantStore(Pool pool) {
    this.pool = pool;
  }

  /** A new merchant and its API key, the only time the key exists outside the merchant's hands. */
  public record Created(Merchant merchant, String apiKey) {
  }

  public Future<Created> create(long ownerId, String name, String domain, int rateBps, int windowDays,
                                String currency) {
    String key = BearerTokens.random(KEY_PREFIX, 32);
    String verificationToken = BearerTokens.random("", 24);
    return pool.preparedQuery("""
            INSERT INTO merchants (owner_id, name, domain, commission_rate_bps, attribution_window_days, currency,
                                   api_key_hash, verification_token)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING""" + " " + Merchant.COLUMNS)
        .execute(Tuple.from(new Object[]{ownerId, name, domain, rateBps, windowDays, currency, hash(key),
            verificationToken}))
        .map(rows -> new Created(Merchant.from(rows.iterator().next()), key))
        .recover(e -> e instanceof PgException pg && "23505".equals(pg.getSqlState())
            && String.valueOf(pg.getConstraint()).contains("domain")
            ? Future.failedFuture(Problems.conflict("domain_taken", "Another merchant has the domain " + domain))
            : Future.failedFuture(e));
  }

  /** Records that the merchant proved its domain; the merchant as it is now. */
  public Future<Merchant> markVerified(long id) {
    return pool.preparedQuery("UPDATE merchants SET domain_verified_at = coalesce(domain_verified_at, now()) "
            + "WHERE id = $1 RETURNING " + Merchant.COLUMNS)
        .execute(Tuple.of(id))
        .map(rows -> Merchant.from(rows.iterator().next()));
  }

  /** The merchant, or null. */
  public Future<Merchant> find(long id) {
    return pool.preparedQuery("SELECT " + Merchant.COLUMNS + " FROM merchants WHERE id = $1")
        .execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : Merchant.from(rows.iterator().next()));
  }

  public Future<Merchant> get(long id) {
    return find(id).compose(m -> m == null
        ? Future.failedFuture(Problems.notFound("merchant_not_found", "No merchant with id " + id))
        : Future.succeededFuture(m));
  }

  /** The merchants the user owns, newest first. */
  public Future<java.util.List<Merchant>> byOwner(long ownerId) {
    return pool.preparedQuery("SELECT " + Merchant.COLUMNS + " FROM merchants WHERE owner_id = $1 ORDER BY id DESC LIMIT 100")
        .execute(Tuple.of(ownerId))
        .map(rows -> {
          java.util.List<Merchant> out = new java.util.ArrayList<>();
          rows.forEach(row -> out.add(Merchant.from(row)));
          return out;
        });
  }

  /** A new API key for the owner's merchant; the old one stops working at once. Null when not the owner's. */
  public Future<Created> replaceKey(long id, long ownerId) {
    String key = BearerTokens.random(KEY_PREFIX, 32);
    return pool.preparedQuery("UPDATE merchants SET api_key_hash = $3 WHERE id = $1 AND owner_id = $2 RETURNING "
            + Merchant.COLUMNS)
        .execute(Tuple.of(id, ownerId, hash(key)))
        .map(rows -> rows.size() == 0 ? null : new Created(Merchant.from(rows.iterator().next()), key));
  }

  /** The merchant whose API key this is, or null. */
  public Future<Merchant> byApiKey(String key) {
    if (key == null || !key.startsWith(KEY_PREFIX) || key.length() > 100) {
      return Future.succeededFuture(null);
    }
    return pool.preparedQuery("SELECT " + Merchant.COLUMNS + " FROM merchants WHERE api_key_hash = $1")
        .execute(Tuple.of(hash(key)))
        .map(rows -> rows.size() == 0 ? null : Merchant.from(rows.iterator().next()));
  }

  static Buffer hash(String key) {
    return BearerTokens.sha256(key);
  }
}
