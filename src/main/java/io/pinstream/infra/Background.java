package io.pinstream.infra;

import io.vertx.core.Future;

/** A part that runs beside the request path (a sweep, a subscription, a buffer): started once, stopped once. */
public interface Background {
  Future<Void> start();

  /** Finishes or hands back what it holds; called after the HTTP servers drained, in reverse start order. */
  Future<Void> stop();
}
