package io.pinstream.shop;

import io.pinstream.accounts.Auth;
import io.pinstream.accounts.UserRef;
import io.pinstream.common.BearerTokens;
import io.pinstream.web.ClientIp;
import io.pinstream.common.Ids;
import io.pinstream.web.JsonInput;
import io.pinstream.web.Paging;
import io.pinstream.common.Problems;
import io.pinstream.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

/**
 * Social e-commerce: merchants, the tracked redirect {@code /go/{pin_id}}, conversions and refunds
 * posted by merchants' servers, the merchant's report and the pinner's earnings.
 */
public final class ShopApi {
  private static final int MAX_REPORT_DAYS = 366;
  private static final Pattern DOMAIN = Pattern.compile(
      "^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$");
  private static final Pattern BOT = Pattern.compile(
      "bot|crawl|spider|slurp|facebookexternalhit|preview|headless|phantomjs|lighthouse|pingdom|monitor|scanner"
          + "|curl/|wget/|python-requests|python-urllib|go-http-client|java-http-client|okhttp|libwww|httpclient|java/",
      Pattern.CASE_INSENSITIVE);

  private final MerchantStore merchants;
  private final ConversionStore conversions;
  private final Reports reports;
  private final ClickRecorder clicks;
  private final ClickTargets targets;
  private final Attribution attribution;
  private final DomainVerifier verifier;
  private final Auth auth;
  private final MerchantKeys keys;
  private final boolean trustForwardedFor;

  public ShopApi(MerchantStore merchants, ConversionStore conversions, Reports reports, ClickRecorder clicks,
                 ClickTargets targets, Attribution attribution, DomainVerifier verifier, MerchantKeys keys,
                 Auth auth, boolean trustForwardedFor) {
    this.verifier = verifier;
    this.keys = keys;
    this.merchants = merchants;
    this.conversions = conversions;
    this.reports = reports;
    this.clicks = clicks;
    this.targets = targets;
    this.attribution = attribution;
    this.auth = auth;
    this.trustForwardedFor = trustForwardedFor;
  }

  public void mount(Router router) {
    router.get("/go/:pin_id").handler(auth.optional()).handler(this::go);
    router.post("/api/v1/merchants").handler(auth.required()).handler(this::createMerchant);
    router.get("/api/v1/merchants/:id").handler(this::getMerchant);
    router.post("/api/v1/merchants/:id/verification").handler(auth.required()).handler(this::verifyDomain);
    router.get("/api/v1/merchants/:id/report").handler(keys.orUser(auth)).handler(this::report);
    router.post("/api/v1/conversions").handler(keys.required()).handler(this::convert);
    router.post("/api/v1/conversions/:id/refund").handler(keys.required()).handler(this::refund);
    router.get("/api/v1/users/me/earnings").handler(auth.required()).handler(this::earnings);
    router.get("/api/v1/users/me/merchants").handler(auth.required()).handler(this::myMerchants);
    router.post("/api/v1/merchants/:id/api_key").handler(auth.required()).handler(this::replaceKey);
  }

  // ---- the redirect ----

  /**
   * A product pin of a merchant with a verified domain: 302 to the product with {@code pclid}, at
   * once (the click goes to the batching recorder and never holds up the answer). Any other pin with
   * a link: a page that shows where it leads (the click is recorded, for no merchant).
   */
  private void go(RoutingContext ctx) {
    Long pinId = Ids.parse(ctx.pathParam("pin_id"));
    if (pinId == null) {
      ctx.fail(Problems.notFound("pin_not_found", "No pin with id " + ctx.pathParam("pin_id")));
      return;
    }
    UserRef viewer = Auth.viewer(ctx);
    targets.find(pinId).map(target -> {
      if (target == null) {
        throw Problems.notFound("pin_not_found", "No pin with id " + pinId);
      }
      if (target.link() == null) {
        throw Problems.notFound("pin_has_no_link", "Pin " + pinId + " links nowhere");
      }
      boolean redirect = target.merchantId() != null && verifier.redirects(target.merchantVerified());
      String clickId = newClickId();
      String agent = ctx.request().getHeader("User-Agent");
      String referrer = ctx.request().getHeader("Referer");
      // Handed over before the answer goes out, so whoever sees the 302 can rely on the click being taken.
      boolean taken = clicks.record(new Click(clickId, pinId, redirect ? target.merchantId() : null, target.ownerId(),
          viewer == null ? null : viewer.id(),
          clicks.hash(ClientIp.of(ctx, trustForwardedFor)), clicks.hash(agent == null ? "" : agent),
          referrer == null ? null : referrer.substring(0, Math.min(referrer.length(), 512)),
          agent == null || agent.isBlank() || BOT.matcher(agent).find(), OffsetDateTime.now(ZoneOffset.UTC)));
      if (!taken) { // never a redirect whose click is lost: the client tries again shortly
        throw Problems.unavailable("clicks_backlogged", "Too many clicks are waiting to be written; retry shortly", 1);
      }
      if (!redirect) {
        LeavingPage.send(ctx.response(), target.link());
        return null;
      }
      ctx.response().setStatusCode(302)
          .putHeader("Location", withClickId(target.link(), clickId))
          .putHeader("Cache-Control", "no-store")
          .putHeader("Referrer-Policy", "no-referrer-when-downgrade")
          .end();
      return null;
    }).onFailure(ctx::fail);
  }

  /** 128 random bits: a merchant cannot guess another merchant's click ids. */
  static String newClickId() {
    return BearerTokens.random("", 16);
  }

  /** The link with {@code pclid} added to its query (before any fragment). */
  static String withClickId(String link, String clickId) {
    int hash = link.indexOf('#');
    String base = hash < 0 ? link : link.substring(0, hash);
    String fragment = hash < 0 ? "" : link.substring(hash);
    String separator = base.indexOf('?') < 0 ? "?" : base.endsWith("?") || base.endsWith("&") ? "" : "&";
    return base + separator + "pclid=" + clickId + fragment;
  }

  // ---- merchants ----

  private void createMerchant(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    JsonInput in = JsonInput.of(ctx);
    String name = in.requiredString("name", 1, 100);
    String rawDomain = in.requiredString("domain", 1, 253);
    String domain = in.matching("domain", rawDomain == null ? null : rawDomain.toLowerCase(java.util.Locale.ROOT),
        DOMAIN, "must be a host name such as shop.example.com (no scheme, path or port)");
    Long rate = in.requiredLong("commission_rate_bps", 0, 10_000);
    Long window = in.optionalLong("attribution_window_days", 1, 365);
    String currency = in.matching("currency", in.optionalString("currency", 3, 3), Money.CURRENCY,
        "must be an ISO 4217 code (3 capital letters)");
    in.validate();
    Responses.reply(ctx, 201, merchants.create(me.id(), name, domain, rate.intValue(),
            window == null ? 30 : window.intValue(), currency)
        .map(created -> {
          ctx.response().putHeader("Location", "/api/v1/merchants/" + created.merchant().id());
          return created.merchant().toJson().put("api_key", created.apiKey())
              .put("verification", created.merchant().verificationJson(verifier.fileUrl(created.merchant().domain())));
        }));
  }

  /** The caller's merchants, with how to verify each domain: what a shop's page starts from. */
  private void myMerchants(RoutingContext ctx) {
    Responses.reply(ctx, 200, merchants.byOwner(Auth.user(ctx).id()).map(list -> {
      JsonArray items = new JsonArray();
      list.forEach(m -> items.add(m.toJson().put("verification", m.verificationJson(verifier.fileUrl(m.domain())))));
      return new JsonObject().put("items", items).putNull("bookmark");
    }));
  }

  /** A new API key (shown only in this answer); the old key stops working at once. Owner only. */
  private void replaceKey(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    long id = Ids.pathId(ctx.pathParam("id"), "merchant");
    Responses.reply(ctx, 201, merchants.get(id)
        .compose(m -> m.ownerId() != me.id()
            ? Future.failedFuture(Problems.forbidden("not_merchant_owner", "Only the merchant's owner replaces its API key"))
            : merchants.replaceKey(id, me.id()))
        .map(created -> created.merchant().toJson().put("api_key", created.apiKey())));
  }

  private void getMerchant(RoutingContext ctx) {
    Responses.reply(ctx, 200, merchants.get(Ids.pathId(ctx.pathParam("id"), "merchant")).map(Merchant::toJson));
  }

  /**
   * The owner asks the server to check the merchant's domain now: 200 with the merchant (verified),
   * or 422 {@code domain_not_verified} saying what the server saw.
   */
  private void verifyDomain(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    long id = Ids.pathId(ctx.pathParam("id"), "merchant");
    Responses.reply(ctx, 200, merchants.get(id)
        .compose(merchant -> {
          if (merchant.ownerId() != me.id()) {
            return Future.failedFuture(Problems.forbidden("not_merchant_owner", "Only the merchant's owner verifies its domain"));
          }
          return merchant.domainVerified() ? Future.succeededFuture(merchant)
              : verifier.check(merchant).compose(v -> merchants.markVerified(id));
        })
        .map(merchant -> merchant.toJson().put("verification", merchant.verificationJson(verifier.fileUrl(merchant.domain())))));
  }

  // ---- conversions ----

  private void convert(RoutingContext ctx) {
    Merchant merchant = MerchantKeys.merchant(ctx);
    JsonInput in = JsonInput.of(ctx);
    String clickId = in.requiredString("click_id", 1, 64);
    String orderId = in.requiredString("order_id", 1, 100);
    Long amount = Money.amount(in, "amount_minor");
    String currency = in.matching("currency", in.requiredString("currency", 3, 3), Money.CURRENCY,
        "must be an ISO 4217 code (3 capital letters)");
    in.validate();
    attribution.convert(merchant, clickId, orderId, amount, currency)
        .onSuccess(answer -> {
          if (answer.status() == 201) {
            ctx.response().putHeader("Location", "/api/v1/conversions/" + answer.conversion().id());
          }
          Responses.json(ctx, answer.status(), answer.conversion().toJson());
        })
        .onFailure(ctx::fail);
  }

  private void refund(RoutingContext ctx) {
    Merchant merchant = MerchantKeys.merchant(ctx);
    long id = Ids.pathId(ctx.pathParam("id"), "conversion");
    Responses.reply(ctx, 200, conversions.refund(merchant.id(), id).map(Conversion::toJson));
  }

  // ---- reports ----

  /** For the merchant's owner (user token) or the merchant itself (API key); anyone else 403. */
  private void report(RoutingContext ctx) {
    long id = Ids.pathId(ctx.pathParam("id"), "merchant");
    OffsetDateTime[] range = range(ctx);
    Merchant caller = MerchantKeys.merchant(ctx);
    UserRef user = Auth.viewer(ctx);
    // A key reads its own merchant's report only; a user, the reports of the merchants they own.
    Future<Merchant> readable = caller != null
        ? (caller.id() == id ? Future.succeededFuture(caller) : Future.failedFuture(notOwner()))
        : merchants.get(id).compose(m -> m.ownerId() == user.id() ? Future.succeededFuture(m)
            : Future.failedFuture(notOwner()));
    Responses.reply(ctx, 200, readable
        .compose(merchant -> reports.merchant(merchant, range[0], range[1]))
        .map(report -> report.put("from", ctx.queryParams().get("from")).put("to", ctx.queryParams().get("to"))));
  }

  private static RuntimeException notOwner() {
    return Problems.forbidden("not_merchant_owner", "Only the merchant's owner or its API key may read its report");
  }

  /** {@code from} and {@code to}: inclusive UTC dates, at most {@value #MAX_REPORT_DAYS} days apart. */
  private static OffsetDateTime[] range(RoutingContext ctx) {
    LocalDate from = date(ctx, "from");
    LocalDate to = date(ctx, "to");
    if (to.isBefore(from)) {
      throw Problems.invalid("to", "must not be before from");
    }
    if (ChronoUnit.DAYS.between(from, to) + 1 > MAX_REPORT_DAYS) {
      throw Problems.invalid("to", "a report covers at most " + MAX_REPORT_DAYS + " days");
    }
    return new OffsetDateTime[]{from.atStartOfDay().atOffset(ZoneOffset.UTC),
        to.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC)};
  }

  private static LocalDate date(RoutingContext ctx, String param) {
    String value = ctx.queryParams().get(param);
    if (value == null) {
      throw Problems.invalid(param, "is required (YYYY-MM-DD)");
    }
    try {
      if (value.length() != 10) {
        throw new DateTimeParseException("length", value, 0);
      }
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw Problems.invalid(param, "must be a date as YYYY-MM-DD");
    }
  }

  private void earnings(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    Responses.reply(ctx, 200, reports.earnings(me.id(), Paging.of(ctx)));
  }


}
