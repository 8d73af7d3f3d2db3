package io.pinstream.shop;

import io.pinstream.common.Ids;
import io.pinstream.common.Times;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;

/** A shop that pays commission on sales that follow a click on one of its product pins. */
public record Merchant(long id, long ownerId, String name, String domain, int commissionRateBps,
                       int attributionWindowDays, String currency, OffsetDateTime createdAt, String verificationToken,
                       OffsetDateTime domainVerifiedAt) {

  static final String COLUMNS = "id, owner_id, name, domain, commission_rate_bps, attribution_window_days, currency, "
      + "created_at, verification_token, domain_verified_at";

  static Merchant from(Row row) {
    return new Merchant(row.getLong("id"), row.getLong("owner_id"), row.getString("name"), row.getString("domain"),
        row.getInteger("commission_rate_bps"), row.getInteger("attribution_window_days"), row.getString("currency"),
        row.getOffsetDateTime("created_at"), row.getString("verification_token"),
        row.getOffsetDateTime("domain_verified_at"));
  }

  public boolean domainVerified() {
    return domainVerifiedAt != null;
  }

  /** True when {@code host} is the merchant's domain or one of its subdomains. */
  public boolean owns(String host) {
    String h = host.toLowerCase(java.util.Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h.equals(domain) || h.endsWith("." + domain);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", Ids.format(id))
        .put("owner_id", Ids.format(ownerId))
        .put("name", name)
        .put("domain", domain)
        .put("commission_rate_bps", commissionRateBps)
        .put("attribution_window_days", attributionWindowDays)
        .put("currency", currency)
        .put("created_at", Times.format(createdAt))
        .put("domain_verified", domainVerified());
  }

  /** For the owner: how to prove the domain is theirs (the token is public once published anyway). */
  public JsonObject verificationJson(String fileUrl) {
    return new JsonObject()
        .put("token", verificationToken)
        .put("file_url", fileUrl)
        .put("file_body", verificationToken)
        .put("dns_txt_record", DomainVerifier.TXT_PREFIX + verificationToken);
  }
}
