package io.pinstream.accounts;

import io.pinstream.config.Config;
import io.pinstream.web.ClientIp;
import io.pinstream.web.JsonInput;
import io.pinstream.common.Problems;
import io.pinstream.web.RateLimiter;
import io.pinstream.web.Responses;
import io.pinstream.web.SessionCookie;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.regex.Pattern;

/**
 * Sign-up, log-in and log-out: {@code /api/v1/accounts} and {@code /api/v1/sessions}. A browser asks
 * for its session as an HttpOnly cookie with {@code "cookie": true} in the body (log-in, or sign-up,
 * which then signs in too); its answer then carries no token (no script ever holds it). API clients
 * get the bearer token in the JSON, as before.
 */
public final class AccountsApi {
  static final Pattern USERNAME = Pattern.compile("[a-z0-9_]{3,30}");
  private static final int HOUR = 3600;
  private static final int QUARTER_HOUR = 900;

  private final UserStore users;
  private final SessionStore sessions;
  private final PasswordHasher passwords;
  private final RateLimiter limiter;
  private final Auth auth;
  private final Config.RateLimits limits;
  private final boolean trustForwardedFor;

  public AccountsApi(UserStore users, SessionStore sessions, PasswordHasher passwords, RateLimiter limiter, Auth auth,
                     Config config) {
    this.users = users;
    this.sessions = sessions;
    this.passwords = passwords;
    this.limiter = limiter;
    this.auth = auth;
    this.limits = config.rateLimits();
    this.trustForwardedFor = config.http().trustForwardedFor();
  }

  public void mount(Router api) {
    api.post("/api/v1/accounts").handler(this::signUp);
    api.post("/api/v1/sessions").handler(this::logIn);
    api.delete("/api/v1/sessions/current").handler(auth.required()).handler(this::logOut);
    api.delete("/api/v1/sessions").handler(auth.required()).handler(this::logOutEverywhere);
    api.get("/api/v1/sessions/current").handler(auth.required()).handler(this::current);
  }

  /** Whether the body asks for a session cookie; only our own pages may (no log-in CSRF from other sites). */
  private static boolean wantsCookie(RoutingContext ctx, JsonInput in) {
    Object value = in.raw().getValue("cookie");
    if (value != null && !(value instanceof Boolean)) {
      in.error("cookie", "must be true or false");
      return false;
    }
    boolean wanted = Boolean.TRUE.equals(value);
    if (wanted && !SessionCookie.fromOwnPage(ctx.request())) {
      throw Auth.crossSite();
    }
    return wanted;
  }

  /** Who the session belongs to: how a page signed in by cookie learns who it is. */
  private void current(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    Responses.reply(ctx, 200, users.byUsername(me.username()).map(user -> new JsonObject()
        .put("user", user.toJson())
        .put("token_type", Auth.byCookie(ctx) ? "cookie" : "Bearer")));
  }

  private void signUp(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx);
    String username = in.matching("username", in.requiredString("username", 3, 30), USERNAME,
        "must be 3 to 30 of a-z, 0-9 and _");
    String password = in.requiredString("password", 8, 128);
    String displayName = in.optionalString("display_name", 1, 50);
    boolean cookie = wantsCookie(ctx, in);
    String ip = ClientIp.limitKey(ctx, trustForwardedFor);
    Future<JsonObject> created = limiter.hit("signup", ip, limits.signupsPerIpPerHour(), HOUR)
        .compose(v -> {
          in.validate();
          return limiter.hit("signup_username", username, limits.signupsPerUsernamePerHour(), HOUR);
        })
        .compose(v -> passwords.hash(password))
        .compose(hash -> users.create(username, displayName == null ? username : displayName, hash))
        .compose(user -> !cookie ? Future.succeededFuture(user) : sessions.create(user.id()).map(token -> {
          auth.cookie().set(ctx, token);
          return user;
        }))
        .map(user -> {
          ctx.response().putHeader("Location", "/api/v1/users/" + user.username());
          return user.toJson();
        });
    Responses.reply(ctx, 201, created);
  }

  private void logIn(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx);
    String rawUsername = in.requiredString("username", 1, 100);
    String password = in.requiredString("password", 1, 128);
    boolean cookie = wantsCookie(ctx, in);
    in.validate();
    String username = rawUsername.toLowerCase();
    String ip = ClientIp.limitKey(ctx, trustForwardedFor);
    // Guesses are counted per username and address, before the password is checked: concurrent
    // guesses cannot all slip under the limit, and nobody elsewhere can lock the owner out.
    String guesser = username + "@" + ip;
    Future<JsonObject> session = limiter.hit("login", ip, limits.loginsPerIpPer15Min(), QUARTER_HOUR)
        .compose(v -> limiter.attempt("login_guess", guesser, limits.failedLoginsPerUsernamePer15Min(), QUARTER_HOUR))
        .compose(v -> users.credentials(username))
        .compose(found -> passwords.verify(password, found == null ? null : found.passwordHash())
            .compose(ok -> ok
                ? limiter.succeeded("login_guess", guesser).otherwiseEmpty()
                    .compose(x -> sessions.create(found.user().id())).map(token -> {
                      if (!cookie) {
                        return new JsonObject().put("token", token).put("token_type", "Bearer")
                            .put("user", found.user().toJson());
                      }
                      auth.cookie().set(ctx, token);
                      return new JsonObject().put("token_type", "cookie").put("user", found.user().toJson());
                    })
                : Future.failedFuture(Problems.unauthorized("Wrong username or password"))));
    Responses.reply(ctx, 201, session);
  }

  private void logOutEverywhere(RoutingContext ctx) {
    Responses.replyEmpty(ctx, sessions.revokeAll(Auth.user(ctx).id()).onSuccess(v -> clearCookie(ctx)));
  }

  private void logOut(RoutingContext ctx) {
    String token = Auth.token(ctx);
    Responses.replyEmpty(ctx, sessions.revoke(token).onSuccess(v -> clearCookie(ctx)));
  }

  private void clearCookie(RoutingContext ctx) {
    if (SessionCookie.read(ctx.request()) != null) {
      auth.cookie().clear(ctx);
    }
  }
}
