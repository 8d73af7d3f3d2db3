package io.pinstream.shop;

import io.pinstream.common.Problems;
import io.vertx.core.Future;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The rules that turn a merchant's postback into a conversion: which click it may claim (its own,
 * inside the attribution window), what a repeated postback gets (the same conversion, or 409 when it
 * asks for something else), how the commission is split, and when a sale is suspect (too soon after
 * its click to be a person's purchase).
 */
public final class Attribution {
  static final Duration SUSPECT_WITHIN = Duration.ofSeconds(10);
  private final ConversionStore conversions;
  private final ClickRecorder clicks;
  private final int pinnerShareBps;

  public Attribution(ConversionStore conversions, ClickRecorder clicks, int pinnerShareBps) {
    this.conversions = conversions;
    this.clicks = clicks;
    this.pinnerShareBps = pinnerShareBps;
  }

  /** What a postback got: 201 and a new conversion, or 200 and the one recorded for that order before. */
  public record Outcome(int status, Conversion conversion) {
  }

  /** A merchant's postback: one conversion per (merchant, order), however often and however concurrently it arrives. */
  public Future<Outcome> convert(Merchant merchant, String clickId, String orderId, long amount, String currency) {
    return conversions.byOrder(merchant.id(), orderId)
        .compose(found -> found != null
            ? Future.succeededFuture(replay(found, clickId, amount, currency))
            : attributable(merchant, clickId).compose(click -> create(merchant, orderId, click, amount, currency)));
  }

  /** The same order again: 200 with the stored conversion if the request is the same, else 409. */
  private static Outcome replay(Conversion found, String clickId, long amount, String currency) {
    if (!found.sameRequest(clickId, amount, currency)) {
      throw Problems.conflict("order_already_recorded", "Order " + found.orderId()
          + " was already recorded with a different click, amount or currency");
    }
    return new Outcome(200, found);
  }

  private Future<Outcome> create(Merchant merchant, String orderId, ConversionStore.ClickRef click, long amount,
                                 String currency) {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    boolean suspect = Duration.between(click.clickedAt(), now).compareTo(SUSPECT_WITHIN) < 0;
    Money.Split split = Money.split(amount, merchant.commissionRateBps(), pinnerShareBps);
    return conversions.create(new ConversionStore.NewConversion(merchant, orderId, click, amount, currency, split,
            suspect, now))
        .compose(created -> created != null
            ? Future.succeededFuture(new Outcome(201, created))
            // A concurrent postback for the same order won the insert: answer as a replay.
            : conversions.byOrder(merchant.id(), orderId).map(found -> replay(found, click.id(), amount, currency)));
  }

  /**
   * The click, if this merchant may claim it. A click made a moment ago may still wait in this node's
   * recorder, so a miss waits (briefly) for the recorder to write, then looks once more.
   */
  private Future<ConversionStore.ClickRef> attributable(Merchant merchant, String clickId) {
    return conversions.click(clickId)
        .compose(click -> click != null ? Future.succeededFuture(click)
            : clicks.written(2000).compose(v -> conversions.click(clickId)))
        .map(click -> {
          // Another merchant's click is answered like an unknown one: it is none of this merchant's business.
          if (click == null || click.merchantId() == null || click.merchantId() != merchant.id()) {
            throw Problems.unprocessable("unknown_click", "No click " + clickId + " on this merchant's product pins");
          }
          OffsetDateTime expires = click.clickedAt().plusDays(merchant.attributionWindowDays());
          if (OffsetDateTime.now(ZoneOffset.UTC).isAfter(expires)) {
            throw Problems.unprocessable("click_expired", "The click is older than the attribution window of "
                + merchant.attributionWindowDays() + " days");
          }
          return click;
        });
  }
}
