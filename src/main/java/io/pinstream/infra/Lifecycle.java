package io.pinstream.infra;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The background parts of a process: started in the order they were added, stopped in reverse. */
public final class Lifecycle {
  private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);
  private final List<Named> parts = new ArrayList<>();
  private final List<Named> started = new ArrayList<>();

  private record Named(String name, Background part) {
  }

  public <T extends Background> T add(String name, T part) {
    parts.add(new Named(name, part));
    return part;
  }

  /** Starts each part once the one before it has started; fails (and stops what started) if one fails. */
  public Future<Void> start() {
    Future<Void> chain = Future.succeededFuture();
    for (Named named : parts) {
      chain = chain.compose(v -> named.part().start()
          .onSuccess(ok -> started.add(named))
          .recover(e -> Future.failedFuture(new IllegalStateException(named.name() + " did not start: "
              + e.getMessage(), e))));
    }
    return chain.recover(e -> stop().transform(v -> Future.failedFuture(e)));
  }

  /** Stops what started, newest first; a part that fails to stop is logged and the rest still stop. */
  public Future<Void> stop() {
    List<Named> newestFirst = new ArrayList<>(started);
    started.clear();
    Collections.reverse(newestFirst);
    Future<Void> chain = Future.succeededFuture();
    for (Named named : newestFirst) {
      chain = chain.eventually(() -> named.part().stop()
          .onFailure(e -> log.warn("{} did not stop cleanly: {}", named.name(), e.toString())));
    }
    return chain.otherwiseEmpty();
  }
}
