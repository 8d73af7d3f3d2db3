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

  /** The same, for a request the router does not see (a WebSocket handshake). */
  public static String of(io.vertx.core.MultiMap headers, io.vertx.core.net.SocketAddress remote,
                          boolean trustForwardedFor) {
    if (trustForwardedFor) {
      String forwarded = headers.get("X-Forwarded-For");
      if (forwarded != null && !forwarded.isBlank()) {
        return forwarded.substring(forwarded.lastIndexOf(',') + 1).trim();
      }
    }
    return remote == null ? "unknown" : remote.host();
  }

  /** Who a per-address limit counts (see {@link #limitKey(RoutingContext, boolean)}), from an address. */
  public static String limitKey(String address) {
    return network(address);
  }

  /**
   * Who a per-address limit counts: the address itself for IPv4, its /64 for IPv6 (one subscriber
   * usually holds a whole /64, and could otherwise take a new address per request).
   */
  public static String limitKey(RoutingContext ctx, boolean trustForwardedFor) {
    return network(of(ctx, trustForwardedFor));
  }

  static String network(String address) {
    if (address.indexOf(':') < 0) {
      return address;
    }
    try {
      byte[] bytes = java.net.InetAddress.getByName(address.startsWith("[") ? address.substring(1, address.length() - 1)
          : address).getAddress();
      if (bytes.length != 16) {
        return address;
      }
      StringBuilder prefix = new StringBuilder();
      for (int i = 0; i < 8; i += 2) {
        prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
      }
      return prefix.append(":/64").toString();
    } catch (java.net.UnknownHostException e) {
      return address; // not an address literal: count it as it is
    }
  }
}
