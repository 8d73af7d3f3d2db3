package io.pinstream.infra;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every Lua script the service runs, and the one way they are called: EVALSHA (the script's text
 * travels once, not with every call); when Redis answers NOSCRIPT (it was restarted, or its scripts
 * flushed), every known script is loaded and the same requests are sent again.
 */
public final class RedisScripts {
  private final Redis redis;
  private final List<Script> known = new CopyOnWriteArrayList<>();

  public RedisScripts(Redis redis) {
    this.redis = redis;
  }

  /** A script, by its source and SHA-1. */
  public record Script(String source, String sha) {
    /** An EVALSHA request with these keys and arguments. */
    public Request call(List<String> keys, String... args) {
      Request request = Request.cmd(Command.EVALSHA).arg(sha).arg(keys.size());
      keys.forEach(request::arg);
      for (String arg : args) {
        request.arg(arg);
      }
      return request;
    }

    public Request call(String key, String... args) {
      return call(List.of(key), args);
    }
  }

  /** Registers a script; call once per script, when its owner is built. */
  public Script define(String source) {
    Script script = new Script(source, sha1(source));
    known.add(script);
    return script;
  }

  public Future<Response> send(Request request) {
    return batch(List.of(request)).map(replies -> replies.get(0));
  }

  /** Sends the requests as one pipeline, loading the scripts first when Redis does not know them. */
  public Future<List<Response>> batch(List<Request> requests) {
    if (requests.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return redis.batch(requests).recover(e -> isNoScript(e)
        ? loadAll().compose(v -> redis.batch(requests))
        : Future.failedFuture(e));
  }

  /**
   * Redis errors start with their kind, here {@code NOSCRIPT No matching script. Please use EVAL.};
   * inside a pipeline the client puts the failed command's place before it ({@code ERR [0] NOSCRIPT ...}).
   */
  static boolean isNoScript(Throwable e) {
    String message = e.getMessage();
    return message != null && (message.startsWith("NOSCRIPT ") || message.contains("] NOSCRIPT "));
  }

  private Future<Void> loadAll() {
    List<Request> loads = new ArrayList<>(known.size());
    known.forEach(script -> loads.add(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.source())));
    return redis.batch(loads).mapEmpty();
  }

  private static String sha1(String source) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
