package io.pinstream.accounts;

import io.pinstream.common.BearerTokens;
import io.pinstream.common.Problems;
import io.pinstream.web.SessionCookie;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Resolves {@code Authorization: Bearer <token>}, else the browser's session cookie, to the caller.
 * {@link #optional()} lets anonymous callers through; {@link #required()} answers 401 without a valid
 * session. A wrong bearer token is 401 everywhere (the client believes it is signed in); a stale cookie
 * is cleared, and where no sign-in is needed the request goes on as anonymous. A state-changing request
 * authenticated by the cookie must come from our own pages ({@link SessionCookie#fromOwnPage}), else 403.
 */
public final class Auth {
  private static final String USER = "user";
  private static final String TOKEN = "token";
  private static final String BY_COOKIE = "by_cookie";
  private final SessionStore sessions;
  private final SessionCookie cookie;

  public Auth(SessionStore sessions, SessionCookie cookie) {
    this.sessions = sessions;
    this.cookie = cookie;
  }

  /** The cookie's attributes (lifetime, Secure), for whoever sets or clears it. */
  public SessionCookie cookie() {
    return cookie;
  }

  public Handler<RoutingContext> required() {
    return ctx -> resolve(ctx, true);
  }

  public Handler<RoutingContext> optional() {
    return ctx -> resolve(ctx, false);
  }

  private void resolve(RoutingContext ctx, boolean required) {
    String bearer = bearerToken(ctx);
    String token = bearer != null ? bearer : SessionCookie.read(ctx.request());
    if (token == null) {
      if (required) {
        ctx.fail(Problems.unauthorized("Send Authorization: Bearer <token> (from POST /api/v1/sessions)"));
      } else {
        ctx.next();
      }
      return;
    }
    boolean byCookie = bearer == null;
    if (byCookie && !SessionCookie.safe(ctx.request().method()) && !SessionCookie.fromOwnPage(ctx.request())) {
      ctx.fail(crossSite());
      return;
    }
    sessions.find(token).onSuccess(user -> {
      if (user == null) {
        if (byCookie) {
          cookie.clear(ctx);
          if (!required) {
            ctx.next();
            return;
          }
          ctx.fail(Problems.unauthorized("The session has ended (expired, revoked or logged out); log in again"));
          return;
        }
        // A token that is wrong is an error even where none is needed: the client believes it is signed in.
        ctx.fail(Problems.unauthorized("The token is unknown, expired or revoked"));
        return;
      }
      ctx.put(USER, user);
      ctx.put(TOKEN, token);
      ctx.put(BY_COOKIE, byCookie);
      ctx.next();
    }).onFailure(ctx::fail);
  }

  /** A cookie-carrying write from another site's page (or from no browser page at all). */
  static RuntimeException crossSite() {
    return Problems.forbidden("cross_site_request",
        "A request signed in by the session cookie must come from this site's own pages (Sec-Fetch-Site or Origin); "
            + "API clients send Authorization: Bearer");
  }

  /** Whether the caller was signed in by the session cookie rather than a bearer token. */
  static boolean byCookie(RoutingContext ctx) {
    return Boolean.TRUE.equals(ctx.get(BY_COOKIE));
  }

  /** The signed-in caller; only call behind {@link #required()}. */
  public static UserRef user(RoutingContext ctx) {
    UserRef user = ctx.get(USER);
    if (user == null) {
      throw Problems.unauthorized("Authentication is required");
    }
    return user;
  }

  /** The caller if signed in, else null. */
  public static UserRef viewer(RoutingContext ctx) {
    return ctx.get(USER);
  }

  static String token(RoutingContext ctx) {
    return ctx.get(TOKEN);
  }

  /** The fingerprint of the caller's session (what may be logged or broadcast); only behind {@link #required()}. */
  public static String sessionFingerprint(RoutingContext ctx) {
    return SessionStore.fingerprint((String) ctx.get(TOKEN));
  }

  /** The session cookie's token from a WebSocket handshake's headers, or null. */
  public static String cookieToken(io.vertx.core.MultiMap headers) {
    return SessionCookie.read(headers);
  }

  /** The token of {@code Authorization: Bearer <token>}, or null: the one place a request's token is read. */
  public static String bearerToken(RoutingContext ctx) {
    return BearerTokens.fromHeader(ctx.request().getHeader("Authorization"));
  }

}
