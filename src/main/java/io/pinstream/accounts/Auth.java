package io.pinstream.accounts;

import io.pinstream.common.BearerTokens;
import io.pinstream.common.Problems;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Resolves {@code Authorization: Bearer <token>} to the caller. {@link #optional()} lets anonymous
 * callers through; {@link #required()} answers 401 without a valid token.
 */
public final class Auth {
  private static final String USER = "user";
  private static final String TOKEN = "token";
  private final SessionStore sessions;

  public Auth(SessionStore sessions) {
    this.sessions = sessions;
  }

  public Handler<RoutingContext> required() {
    return ctx -> resolve(ctx, true);
  }

  public Handler<RoutingContext> optional() {
    return ctx -> resolve(ctx, false);
  }

  private void resolve(RoutingContext ctx, boolean required) {
    String token = bearerToken(ctx);
    if (token == null) {
      if (required) {
        ctx.fail(Problems.unauthorized("Send Authorization: Bearer <token> (from POST /api/v1/sessions)"));
      } else {
        ctx.next();
      }
      return;
    }
    sessions.find(token).onSuccess(user -> {
      if (user == null) {
        // A token that is wrong is an error even where none is needed: the client believes it is signed in.
        ctx.fail(Problems.unauthorized("The token is unknown, expired or revoked"));
        return;
      }
      ctx.put(USER, user);
      ctx.put(TOKEN, token);
      ctx.next();
    }).onFailure(ctx::fail);
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

  /** The token of {@code Authorization: Bearer <token>}, or null: the one place a request's token is read. */
  public static String bearerToken(RoutingContext ctx) {
    return BearerTokens.fromHeader(ctx.request().getHeader("Authorization"));
  }

}
