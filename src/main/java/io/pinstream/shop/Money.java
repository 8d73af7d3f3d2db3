package io.pinstream.shop;

import io.pinstream.web.JsonInput;

import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * Money is a {@code long} of minor units (cents, fen) with an ISO 4217 code; never a float or double.
 *
 * <p>Rounding rule: every share is rounded <b>down</b> (floor; amounts are never negative, so this is
 * also toward zero). The commission is {@code floor(amount * rate_bps / 10000)}, so a merchant never
 * pays more than its contracted rate; the pinner's share is {@code floor(commission * share_bps / 10000)}
 * and the platform gets the rest, so the two shares always add up to the commission exactly.
 */
public final class Money {
  /** 10^14 minor units: far above any order, and small enough that amount x 10000 bps fits in a long. */
  public static final long MAX_MINOR = 100_000_000_000_000L;
  public static final Pattern CURRENCY = Pattern.compile("^[A-Z]{3}$");
  private static final long BPS = 10_000;

  private Money() {
  }

  /**
   * A required amount of minor units. Only JSON integers are taken: {@code 19.99} or {@code 1999.0} is
   * refused rather than silently converted, so a client sending major units learns it at once.
   */
  public static Long amount(JsonInput in, String field) {
    Object value = in.raw().getValue(field);
    if (value != null && !(value instanceof Integer || value instanceof Long)) {
      in.error(field, value instanceof Number && !(value instanceof BigInteger)
          ? "must be a whole number of minor units (no decimals)" : "must be a whole number from 0 to " + MAX_MINOR);
      return null;
    }
    return in.requiredLong(field, 0, MAX_MINOR);
  }

  /** {@code floor(amountMinor * bps / 10000)}, exact in integers (throws on overflow rather than wrap). */
  public static long share(long amountMinor, int bps) {
    if (amountMinor < 0 || bps < 0 || bps > BPS) {
      throw new IllegalArgumentException("amount and rate must not be negative, rate at most 10000 bps");
    }
    return Math.multiplyExact(amountMinor, (long) bps) / BPS;
  }

  /** The split of one commission: pinner rounded down, platform the remainder. */
  public record Split(long commission, long pinner, long platform) {
  }

  public static Split split(long amountMinor, int rateBps, int pinnerShareBps) {
    long commission = share(amountMinor, rateBps);
    long pinner = share(commission, pinnerShareBps);
    return new Split(commission, pinner, commission - pinner);
  }
}
