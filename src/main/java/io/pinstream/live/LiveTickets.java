package io.pinstream.live;

import io.pinstream.accounts.UserRef;
import io.pinstream.common.BearerTokens;
import io.pinstream.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.util.HexFormat;

/**
 * One-time tickets for live connections from clients that cannot set an Authorization header (a
 * browser's WebSocket or EventSource): {@code POST /api/v1/live/tickets} gives one, valid for
 * {@value #SECONDS} seconds and for one connection, used as {@code ?ticket=}; so no session token ever
 * appears in a URL (or a log). Kept in Redis by their hash, so any node can redeem one; redeeming
 * deletes it (GETDEL).
 */
final class LiveTickets {
  static final int SECONDS = 30;
  private static final String PREFIX = "plt_";
  private final Redis redis;
  private final RedisKeys keys;

  LiveTickets(Redis redis, RedisKeys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  /** A caller of a live connection: who, and the fingerprint of the session it came with. */
  record Caller(UserRef user, String session) {
    static final Caller ANONYMOUS = new Caller(null, null);
  }

  Future<String> issue(Caller caller) {
    String ticket = BearerTokens.random(PREFIX, 24);
    String value = caller.user().id() + ":" + caller.session() + ":" + caller.user().username();
    return redis.send(Request.cmd(Command.SET).arg(key(ticket)).arg(value).arg("EX").arg(SECONDS)).map(ticket);
  }

  /** The caller the ticket was given to, or null when it is unknown, used or expired. */
  Future<Caller> redeem(String ticket) {
    if (ticket == null || !ticket.startsWith(PREFIX) || ticket.length() > 100) {
      return Future.succeededFuture(null);
    }
    return redis.send(Request.cmd(Command.GETDEL).arg(key(ticket))).map(reply -> {
      if (reply == null) {
        return null;
      }
      String[] parts = reply.toString().split(":", 3);
      return new Caller(new UserRef(Long.parseLong(parts[0]), parts[2]), parts[1]);
    });
  }

  private String key(String ticket) {
    return keys.key("live-ticket", HexFormat.of().formatHex(BearerTokens.sha256(ticket).getBytes()));
  }
}
