package io.pinstream.live;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.pinstream.accounts.Auth;
import io.pinstream.accounts.SessionStore;
import io.pinstream.accounts.UserRef;
import io.pinstream.accounts.UserStore;
import io.pinstream.boards.BoardStore;
import io.pinstream.config.Config;
import io.pinstream.feed.FeedService;
import io.pinstream.common.ServiceException;
import io.pinstream.common.BearerTokens;
import io.pinstream.web.FailureHandler;
import io.pinstream.common.Ids;
import io.pinstream.common.Problems;
import io.pinstream.web.ClientIp;
import io.pinstream.web.RequestIds;
import io.pinstream.web.Responses;
import io.pinstream.web.SessionCookie;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/live} (WebSocket) and {@code GET /api/v1/live/sse}. WebSocket handshakes are
 * taken by the HTTP server's own handshake handler, not upgraded through the router: a routed
 * upgrade keeps its RoutingContext, headers and handlers for the life of the socket (about 2 KB a
 * connection). The Origin check and the token lookup still run before anything is upgraded and
 * refuse with 403/401 (a bare status: a refused handshake has no body a browser could read). The
 * router keeps the plain GET, which answers 426. Mount before the body handler.
 */
public final class LiveApi {
  static final String PATH = "/api/v1/live";
  private static final Logger log = LoggerFactory.getLogger(LiveApi.class);
  private final Config.Live config;
  private final SessionStore sessions;
  private final LiveHub hub;
  private final LiveRelay relay;
  private final LiveTickets tickets;
  private final Auth auth;
  private final boolean trustForwardedFor;

  public LiveApi(Vertx vertx, Config.Live config, LiveRelay relay, FeedService feeds, SessionStore sessions,
                 BoardStore boards, UserStore users, Auth auth, boolean trustForwardedFor) {
    this.config = config;
    this.sessions = sessions;
    this.relay = relay;
    this.tickets = relay.tickets();
    this.auth = auth;
    this.trustForwardedFor = trustForwardedFor;
    this.hub = new LiveHub(vertx, config, relay, new Replay(feeds), boards, users, feeds);
  }

  public void mount(Router router) {
    router.get(PATH).handler(ctx -> ctx.fail(new ServiceException(426, "upgrade_required", "Upgrade Required",
        "This is a WebSocket endpoint; for Server-Sent Events use /api/v1/live/sse")));
    router.get("/api/v1/live/sse").handler(this::sse);
    router.post("/api/v1/live/tickets").handler(auth.required()).handler(this::ticket);
  }

  /** Every WebSocket handshake the server receives, whatever its path, comes here instead of the router. */
  public void mount(HttpServer server) {
    server.webSocketHandshakeHandler(this::handshake);
  }

  private void handshake(ServerWebSocketHandshake handshake) {
    long start = System.nanoTime();
    String requestId = RequestIds.idFor(handshake.headers().get(RequestIds.HEADER));
    if (!PATH.equals(handshake.path())) {
      refuse(handshake, 404, start, requestId);
      return;
    }
    // The node's own warm-up sockets (LiveWarmUp) take a client's way from here on, so that a reconnect
    // wave finds that way compiled; they are exempt only from the per-address cap and the access log.
    String warmUpKey = handshake.headers().get(LiveWarmUp.HEADER);
    boolean warmUp = warmUpKey != null;
    if (warmUp && !relay.warmUp().admits(warmUpKey)) {
      refuse(handshake, 403, start, requestId);
      return;
    }
    String origin = handshake.headers().get("Origin");
    if (origin != null && !allowed(origin, handshake.authority())) {
      refuse(handshake, 403, start, requestId);
      return;
    }
    String clientAddress = ClientIp.limitKey(ClientIp.of(handshake.headers(), handshake.remoteAddress(), trustForwardedFor));
    // Counted apart, without a cap: a client of the node's own address is never refused for them.
    String address = warmUp ? "warm-up " + clientAddress : clientAddress;
    if (!relay.openFrom(address, warmUp ? Integer.MAX_VALUE : config.maxConnectionsPerAddress())) {
      refuse(handshake, 429, start, requestId);
      return;
    }
    Map<String, List<String>> query = new QueryStringDecoder(handshake.uri()).parameters();
    String cookie = Auth.cookieToken(handshake.headers());
    caller(first(query, "ticket"), first(query, "access_token"),
        BearerTokens.fromHeader(handshake.headers().get("Authorization")), cookie).onComplete(found -> {
      if (found.failed()) {
        int status = FailureHandler.statusOf(found.cause());
        if (status == 500) {
          log.error("GET {} failed [request {}]", PATH, requestId, found.cause());
        }
        relay.closedFrom(address);
        refuse(handshake, status, start, requestId);
        return;
      }
      LiveTickets.Caller caller = found.result();
      handshake.accept().onComplete(accepted -> {
        if (accepted.failed()) {
          relay.closedFrom(address);
          return;
        }
        if (!warmUp) {
          RequestIds.log("GET", PATH, 101, start, requestId);
        }
        accept(accepted.result(), caller, address, warmUp);
      });
    });
  }

  private static void refuse(ServerWebSocketHandshake handshake, int status, long start, String requestId) {
    handshake.reject(status);
    RequestIds.log("GET", handshake.path(), status, start, requestId);
  }

  private void accept(ServerWebSocket ws, LiveTickets.Caller caller, String address, boolean warmUp) {
    WebSocketConnection c = new WebSocketConnection(ws, caller.user());
    c.session = caller.session();
    c.warmUp = warmUp;
    hub.add(c);
    ws.textMessageHandler(text -> {
      c.lastSeen = System.currentTimeMillis();
      if (text.length() > config.maxFrameBytes()) {
        c.close(1009, "frame too large (max " + config.maxFrameBytes() + ")");
        hub.remove(c);
        return;
      }
      hub.onFrame(c, text);
    });
    ws.binaryMessageHandler(bytes -> {
      c.lastSeen = System.currentTimeMillis();
      hub.badFrame(c, "Binary frames are not understood; send JSON text frames");
    });
    ws.pongHandler(pong -> c.lastSeen = System.currentTimeMillis());
    ws.exceptionHandler(e -> {
      // a frame past the transport's hard limit or a broken one: the connection is dropped; nothing else to do
    });
    ws.closeHandler(v -> {
      relay.closedFrom(address);
      hub.remove(c);
    });
    // The server is draining: say so now (1001), as SSE does, so no page shows "live" through the grace period.
    ws.shutdownHandler(v -> {
      c.close(1001, "server restarting");
      hub.remove(c);
    });
  }

  /** A one-time ticket for a live connection of the signed-in caller ({@code ?ticket=}, valid 30 s). */
  private void ticket(RoutingContext ctx) {
    Responses.reply(ctx, 201, tickets.issue(new LiveTickets.Caller(Auth.user(ctx), Auth.sessionFingerprint(ctx)))
        .map(ticket -> new JsonObject().put("ticket", ticket).put("expires_in", LiveTickets.SECONDS)));
  }

  private static String first(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /**
   * Who opens a live connection: a one-time {@code ticket}, else the {@code Authorization: Bearer}
   * session, else the browser's session cookie (a browser's handshake carries the Origin checked
   * before this), else anonymous. A token in the URL ({@code access_token}) is refused, never looked up:
   * URLs end up in logs, histories and Referer headers.
   */
  private Future<LiveTickets.Caller> caller(String ticket, String urlToken, String bearer, String cookie) {
    if (urlToken != null) {
      return Future.failedFuture(Problems.unauthorized("Tokens in URLs are not accepted: send Authorization: Bearer, "
          + "or a ticket from POST /api/v1/live/tickets as ?ticket="));
    }
    if (ticket != null) {
      return tickets.redeem(ticket).compose(caller -> caller == null
          ? Future.failedFuture(Problems.unauthorized("The ticket is unknown, used or expired"))
          : Future.succeededFuture(caller));
    }
    String token = bearer == null || bearer.isEmpty() ? cookie : bearer;
    if (token == null || token.isEmpty()) {
      return Future.succeededFuture(LiveTickets.Caller.ANONYMOUS);
    }
    return sessions.find(token).compose(user -> user == null
        ? Future.failedFuture(Problems.unauthorized("The token is unknown, expired or revoked"))
        : Future.succeededFuture(new LiveTickets.Caller(user, SessionStore.fingerprint(token))));
  }

  private void sse(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    checkOrigin(request);
    List<String> topics = new ArrayList<>();
    for (String t : String.valueOf(request.getParam("topics", "")).split(",")) {
      if (!t.isBlank()) {
        topics.add(t.trim());
      }
    }
    if (topics.isEmpty()) {
      throw Problems.badRequest("topics_required", "Name the topics: ?topics=home,board:<id>,user:<username>,trending");
    }
    if (topics.size() > config.maxSubscriptions()) {
      throw Problems.badRequest("too_many_subscriptions", "At most " + config.maxSubscriptions() + " topics");
    }
    for (String t : topics) {
      if (Topic.parse(t) == null) {
        throw Problems.badRequest("bad_topic", t + " is not a topic: home, trending, board:<id>, user:<username>");
      }
    }
    String last = request.getHeader("Last-Event-ID");
    if (last == null) {
      last = request.getParam("last_event_id");
    }
    Long since = last == null || last.isBlank() ? null : Ids.parse(last.trim());
    if (last != null && !last.isBlank() && since == null) {
      throw Problems.badRequest("invalid_since", "Last-Event-ID is a pin id (a string of digits)");
    }
    caller(request.getParam("ticket"), request.getParam("access_token"), Auth.bearerToken(ctx),
        Auth.cookieToken(request.headers())).onSuccess(caller -> {
      UserRef user = caller.user();
      if (user == null && topics.contains(Topic.HOME)) {
        ctx.fail(Problems.unauthorized("The home topic needs a signed-in connection (a ticket or Authorization)"));
        return;
      }
      HttpServerResponse response = ctx.response();
      if (response.closed()) {
        return; // gone while its session was looked up: nothing to register (its close already fired)
      }
      response
          .setChunked(true)
          .putHeader("Content-Type", "text/event-stream; charset=utf-8")
          .putHeader("Cache-Control", "no-store")
          .putHeader("Content-Encoding", "identity") // never gzip a stream: nothing would arrive until the buffer fills
          .putHeader("X-Accel-Buffering", "no");
      response.write("retry: 3000\n\n");
      SseConnection c = new SseConnection(response, user);
      c.session = caller.session();
      hub.add(c);
      response.closeHandler(v -> hub.remove(c));
      request.connection().shutdownHandler(v -> {
        c.close(1001, "server restarting");
        hub.remove(c);
      });
      topics.forEach(t -> hub.subscribe(c, t, since, null));
    }).onFailure(ctx::fail);
  }

  /**
   * Browsers send Origin on WebSocket handshakes and cross-origin EventSource requests, and any page
   * may open them to us with the user's cookies: only allowed origins (by default, our own host) pass.
   * Non-browser clients send no Origin and are not affected.
   */
  private void checkOrigin(HttpServerRequest request) {
    String origin = request.getHeader("Origin");
    if (origin == null || allowed(origin, request.authority())) {
      return;
    }
    throw Problems.forbidden("origin_not_allowed", "Live connections from " + origin + " are not allowed");
  }

  private boolean allowed(String origin, HostAndPort authority) {
    if (!config.allowedOrigins().isEmpty()) {
      return config.allowedOrigins().contains(origin) || config.allowedOrigins().contains("*");
    }
    return SessionCookie.sameOrigin(origin, authority);
  }
}
