package io.pinstream.shop;

import io.pinstream.accounts.Auth;
import io.pinstream.common.Problems;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * A merchant's API key ({@code Authorization: Bearer psk_...}) as a caller: the merchant's servers post
 * conversions, read reports and publish product pins with it. The one place such a key is resolved.
 */
public final class MerchantKeys {
  private static final String MERCHANT = "merchant";
  private final MerchantStore merchants;

  public MerchantKeys(MerchantStore merchants) {
    this.merchants = merchants;
  }

  /** The merchant whose key the request carries; only behind {@link #required()} or {@link #orUser}. */
  public static Merchant merchant(RoutingContext ctx) {
    return ctx.get(MERCHANT);
  }

  /** {@code Authorization: Bearer <api_key>} of a merchant, else 401. */
  public Handler<RoutingContext> required() {
    return ctx -> {
      String key = Auth.bearerToken(ctx);
      if (key == null) {
        ctx.fail(Problems.unauthorized("Send Authorization: Bearer <api_key> (given when the merchant was created)"));
        return;
      }
      merchants.byApiKey(key).onSuccess(merchant -> {
        if (merchant == null) {
          ctx.fail(Problems.unauthorized("The API key is unknown"));
          return;
        }
        ctx.put(MERCHANT, merchant);
        ctx.next();
      }).onFailure(ctx::fail);
    };
  }

  /** A merchant's API key (one that looks like one), else a signed-in user ({@link Auth#required()}). */
  public Handler<RoutingContext> orUser(Auth auth) {
    Handler<RoutingContext> merchant = required();
    Handler<RoutingContext> user = auth.required();
    return ctx -> {
      String token = Auth.bearerToken(ctx);
      (token != null && token.startsWith(MerchantStore.KEY_PREFIX) ? merchant : user).handle(ctx);
    };
  }
}
