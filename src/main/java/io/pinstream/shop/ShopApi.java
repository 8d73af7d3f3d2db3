package io.pinstream.shop;

import io.pinstream.accounts.Auth;
import io.pinstream.accounts.SessionStore;
import io.pinstream.accounts.UserRef;
import io.pinstream.config.Config;
import io.pinstream.http.BearerTokens;
import io.pinstream.http.ClientIp;
import io.pinstream.http.Ids;
import io.pinstream.http.JsonInput;
import io.pinstream.http.Paging;
import io.pinstream.http.Problems;
import io.pinstream.http.Responses;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

import java.time.Duration;
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
  static final Duration SUSPECT_WITHIN = Duration.ofSeconds(10);
  private static final String MERCHANT = "merchant";
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
  private final SessionStore sessions;
  private final Auth auth;
  private final boolean trustForwardedFor;
  private final int pinnerShareBps;

  public ShopApi(Pool pool, MerchantStore merchants, ConversionStore conversions, Reports reports,
                 ClickRecorder clicks, SessionStore sessions, Auth auth, Config config) {
    this.merchants = merchants;
    this.conversions = conversions;
    this.reports = reports;
    this.clicks = clicks;
    this.targets = new ClickTargets(pool);
    this.sessions = sessions;
    this.auth = auth;
    this.trustForwardedFor = config.http().trustForwardedFor();
    this.pinnerShareBps = config.shop().pinnerShareBps();
  }

  public void mount(Router router) {
    router.get("/go/:pin_id").handler(this::go);
    router.post("/api/v1/merchants").handler(auth.required()).handler(this::createMerchant);
    router.get("/api/v1/merchants/:id").handler(this::getMerchant);
    router.get("/api/v1/merchants/:id/report").handler(this::report);
    router.post("/api/v1/conversions").handler(merchantKey()).handler(this::convert);
    router.post("/api/v1/conversions/:id/refund").handler(merchantKey()).handler(this::refund);
    router.get("/api/v1/users/me/earnings").handler(auth.required()).handler(this::earnings);
  }

  // ---- the redirect ----

  /** 302 at once; the click goes to the batching recorder and never holds up the answer. */
  private void go(RoutingContext ctx) {
    Long pinId = Ids.parse(ctx.pathParam("pin_id"));
    if (pinId == null) {
      ctx.fail(Problems.notFound("pin_not_found", "No pin with id " + ctx.pathParam("pin_id")));
      return;
    }
    String token = BearerTokens.fromHeader(ctx);
    Future<UserRef> viewer = token == null ? Future.succeededFuture() : sessions.find(token).otherwiseEmpty();
    viewer.compose(v -> targets.find(pinId).map(target -> {
      if (target == null) {
        throw Problems.notFound("pin_not_found", "No pin with id " + pinId);
      }
      if (target.link() == null) {
        throw Problems.notFound("pin_has_no_link", "Pin " + pinId + " links nowhere");
      }
      String clickId = newClickId();
      String agent = ctx.request().getHeader("User-Agent");
      String referrer = ctx.request().getHeader("Referer");
      // Handed over before the answer goes out, so whoever sees the 302 can rely on the click being taken.
      clicks.record(new Click(clickId, pinId, target.merchantId(), target.ownerId(), v == null ? null : v.id(),
          clicks.hash(ClientIp.of(ctx, trustForwardedFor)), clicks.hash(agent == null ? "" : agent),
          referrer == null ? null : referrer.substring(0, Math.min(referrer.length(), 512)),
          agent == null || agent.isBlank() || BOT.matcher(agent).find(), OffsetDateTime.now(ZoneOffset.UTC)));
      ctx.response().setStatusCode(302)
          .putHeader("Location", withClickId(target.link(), clickId))
          .putHeader("Cache-Control", "no-store")
          .putHeader("Referrer-Policy", "no-referrer-when-downgrade")
          .end();
      return null;
    })).onFailure(ctx::fail);
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
          return created.merchant().toJson().put("api_key", created.apiKey());
        }));
  }

  private void getMerchant(RoutingContext ctx) {
    Responses.reply(ctx, 200, merchants.get(Ids.pathId(ctx, "id", "merchant")).map(Merchant::toJson));
  }

  /** {@code Authorization: Bearer <api_key>} of a merchant. */
  private Handler<RoutingContext> merchantKey() {
    return ctx -> {
      String key = BearerTokens.fromHeader(ctx);
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

  // ---- conversions ----

  private void convert(RoutingContext ctx) {
    Merchant merchant = ctx.get(MERCHANT);
    JsonInput in = JsonInput.of(ctx);
    String clickId = in.requiredString("click_id", 1, 64);
    String orderId = in.requiredString("order_id", 1, 100);
    Long amount = Money.amount(in, "amount_minor");
    String currency = in.matching("currency", in.requiredString("currency", 3, 3), Money.CURRENCY,
        "must be an ISO 4217 code (3 capital letters)");
    in.validate();
    Future<Conversion> existing = conversions.byOrder(merchant.id(), orderId);
    existing.compose(found -> found != null
            ? Future.succeededFuture(replay(found, clickId, amount, currency))
            : attributable(merchant, clickId)
                .compose(click -> create(merchant, orderId, click, amount, currency)))
        .onSuccess(answer -> {
          if (answer.status() == 201) {
            ctx.response().putHeader("Location", "/api/v1/conversions/" + answer.conversion().id());
          }
          Responses.json(ctx, answer.status(), answer.conversion().toJson());
        })
        .onFailure(ctx::fail);
  }

  private record Answer(int status, Conversion conversion) {
  }

  /** The same order again: 200 with the stored conversion if the request is the same, else 409. */
  private static Answer replay(Conversion found, String clickId, long amount, String currency) {
    if (!found.sameRequest(clickId, amount, currency)) {
      throw Problems.conflict("order_already_recorded", "Order " + found.orderId()
          + " was already recorded with a different click, amount or currency");
    }
    return new Answer(200, found);
  }

  private Future<Answer> create(Merchant merchant, String orderId, ConversionStore.ClickRef click, long amount,
                                String currency) {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    boolean suspect = Duration.between(click.clickedAt(), now).compareTo(SUSPECT_WITHIN) < 0;
    Money.Split split = Money.split(amount, merchant.commissionRateBps(), pinnerShareBps);
    return conversions.create(new ConversionStore.NewConversion(merchant, orderId, click, amount, currency, split,
            suspect, now))
        .compose(created -> created != null
            ? Future.succeededFuture(new Answer(201, created))
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

  private void refund(RoutingContext ctx) {
    Merchant merchant = ctx.get(MERCHANT);
    long id = Ids.pathId(ctx, "id", "conversion");
    Responses.reply(ctx, 200, conversions.refund(merchant.id(), id).map(Conversion::toJson));
  }

  // ---- reports ----

  /** For the merchant's owner (user token) or the merchant itself (API key); anyone else 403. */
  private void report(RoutingContext ctx) {
    long id = Ids.pathId(ctx, "id", "merchant");
    OffsetDateTime[] range = range(ctx);
    String token = BearerTokens.fromHeader(ctx);
    if (token == null) {
      throw Problems.unauthorized("Send Authorization: Bearer <token> of the merchant's owner, or the merchant's API key");
    }
    Future<Boolean> allowed = token.startsWith(MerchantStore.KEY_PREFIX)
        ? merchants.byApiKey(token).map(m -> {
            if (m == null) {
              throw Problems.unauthorized("The API key is unknown");
            }
            return m.id() == id;
          })
        : sessions.find(token).compose(user -> {
            if (user == null) {
              throw Problems.unauthorized("The token is unknown, expired or revoked");
            }
            return merchants.get(id).map(m -> m.ownerId() == user.id());
          });
    Responses.reply(ctx, 200, allowed
        .compose(ok -> {
          if (!ok) {
            throw Problems.forbidden("not_merchant_owner", "Only the merchant's owner or its API key may read its report");
          }
          return merchants.get(id);
        })
        .compose(merchant -> reports.merchant(merchant, range[0], range[1]))
        .map(report -> report.put("from", ctx.queryParams().get("from")).put("to", ctx.queryParams().get("to"))));
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
