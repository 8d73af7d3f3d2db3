package io.pinstream.web;

import io.vertx.ext.web.RoutingContext;

/**
 * The caller's address. X-Forwarded-For is believed only when the operator says a proxy sets it,
 * and then only its last entry: the one our proxy appended. Earlier entries are whatever the
 * client sent (a client could otherwise pick a new address per request and dodge every limit).
 */
public final class ClientIp {
  private ClientIp() {
  }

  public static String of(RoutingContext ctx, boolean trustForwardedFor) {
    if (trustForwardedFor) {
      String forwarded = ctx.request().getHeader("X-Forwarded-For");
      if (forwarded != null && !forwarded.isBlank()) {
        return forwarded.substring(forwarded.lastIndexOf(',') + 1).trim();
      }
    }
    var remote = ctx.request().remoteAddress();
    return remote == null ? "unknown" : remote.host();
  }
}
