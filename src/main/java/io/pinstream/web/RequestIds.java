package io.pinstream.web;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Gives every request an id (the caller's {@code X-Request-Id} when it is sane, else a new one),
 * echoes it on the response and writes one access-log line per request with it.
 */
public final class RequestIds implements Handler<RoutingContext> {
  public static final String HEADER = "X-Request-Id";
  private static final String KEY = "requestId";
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Logger access = LoggerFactory.getLogger("access");
  private static final SecureRandom random = new SecureRandom();

  @Override
  public void handle(RoutingContext ctx) {
    String id = idFor(ctx.request().getHeader(HEADER));
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    long start = System.nanoTime();
    ctx.addEndHandler(done -> access.info("{} {} {} {}ms {} [request {}]",
        ctx.request().method(), ctx.request().path(), ctx.response().getStatusCode(),
        (System.nanoTime() - start) / 1_000_000, ctx.response().bytesWritten(), id));
    ctx.next();
  }

  /** The caller's id when it is sane, else a new one. */
  public static String idFor(String incoming) {
    return incoming != null && SAFE.matcher(incoming).matches() ? incoming : newId();
  }

  /** The access-log line of a request the router does not see (a WebSocket handshake). */
  public static void log(String method, String path, int status, long startNanos, String id) {
    access.info("{} {} {} {}ms {} [request {}]", method, path, status, (System.nanoTime() - startNanos) / 1_000_000, 0, id);
  }

  public static String of(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  private static String newId() {
    byte[] bytes = new byte[12];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
