package io.pinstream.web;

import io.vertx.core.MultiMap;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;

/**
 * The browser's session cookie, as HTTP plumbing: its name and attributes, reading it from a request
 * (or a WebSocket handshake's headers), and the CSRF rule for requests it authenticates. What the
 * token means is the accounts feature's business.
 *
 * <p>HttpOnly (no script reads it), SameSite=Lax (other sites' sub-requests and form POSTs do not carry
 * it), Path=/, {@code Secure} when the request came over HTTPS: directly, or, only where the operator
 * trusts the proxy ({@code http.trust_forwarded_for}), by {@code X-Forwarded-Proto: https}.
 */
public final class SessionCookie {
  public static final String NAME = "pinstream_session";
  private final long maxAgeSeconds;
  private final boolean trustProxy;

  public SessionCookie(long maxAgeSeconds, boolean trustProxy) {
    this.maxAgeSeconds = maxAgeSeconds;
    this.trustProxy = trustProxy;
  }

  /** The cookie's value, or null. */
  public static String read(HttpServerRequest request) {
    Cookie cookie = request.getCookie(NAME);
    return cookie == null || cookie.getValue().isEmpty() ? null : cookie.getValue();
  }

  /** The same from raw headers (a WebSocket handshake, which the router does not see). */
  public static String read(MultiMap headers) {
    for (String header : headers.getAll("Cookie")) {
      for (String pair : header.split(";")) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).trim().equals(NAME)) {
          String value = pair.substring(eq + 1).trim();
          return value.isEmpty() ? null : value;
        }
      }
    }
    return null;
  }

  public void set(RoutingContext ctx, String token) {
    ctx.response().addCookie(base(ctx, token).setMaxAge(maxAgeSeconds));
  }

  public void clear(RoutingContext ctx) {
    ctx.response().addCookie(base(ctx, "").setMaxAge(0));
  }

  private Cookie base(RoutingContext ctx, String value) {
    return Cookie.cookie(NAME, value).setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.LAX)
        .setSecure(overHttps(ctx.request()));
  }

  boolean overHttps(HttpServerRequest request) {
    if (request.isSSL()) {
      return true;
    }
    if (trustProxy) {
      String proto = request.getHeader("X-Forwarded-Proto");
      return proto != null && proto.substring(proto.lastIndexOf(',') + 1).trim().equalsIgnoreCase("https");
    }
    return false;
  }

  /** GET, HEAD and OPTIONS change nothing: a cookie may authenticate them from anywhere SameSite lets it. */
  public static boolean safe(HttpMethod method) {
    return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS;
  }

  /**
   * Whether a state-changing request came from our own pages: {@code Sec-Fetch-Site} (every current
   * browser sends it) must say same-origin, or, from a browser without it, {@code Origin} must be this
   * host. A request with neither is not from a browser page of ours and does not get to use the cookie.
   */
  public static boolean fromOwnPage(HttpServerRequest request) {
    String site = request.getHeader("Sec-Fetch-Site");
    if (site != null) {
      return site.equals("same-origin") || site.equals("none");
    }
    String origin = request.getHeader("Origin");
    return origin != null && sameOrigin(origin, request.authority());
  }

  /** Whether {@code origin} names the host and port the request was sent to. */
  public static boolean sameOrigin(String origin, HostAndPort authority) {
    try {
      URI uri = new URI(origin);
      if (uri.getHost() == null || authority == null || !uri.getHost().equalsIgnoreCase(authority.host())) {
        return false;
      }
      int defaultPort = "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
      int originPort = uri.getPort() < 0 ? defaultPort : uri.getPort();
      int hostPort = authority.port() < 0 ? defaultPort : authority.port();
      return originPort == hostPort;
    } catch (Exception e) {
      return false;
    }
  }
}
