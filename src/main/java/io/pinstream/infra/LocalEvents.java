package io.pinstream.infra;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Messages inside one process, as typed values on the local event bus: the value itself is handed
 * over (never serialised, so it must be immutable), and each receiver runs on its own context (its
 * event loop or worker). One address per message type, its class name, so a sender and a receiver
 * agree on the type, not on a string.
 *
 * <p>Used for fire-and-forget notifications ({@link #publish}) and for the thumbnail workers'
 * request and reply ({@link #request}). Between nodes, see {@link ClusterChannel}.
 */
public final class LocalEvents {
  private final Vertx vertx;

  public LocalEvents(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Every receiver of {@code event}'s type gets it. */
  public void publish(Object event) {
    vertx.eventBus().publish(address(event.getClass()), event, options(event.getClass()));
  }

  /** One receiver of {@code request}'s type handles it; its reply completes the future. */
  public <R> Future<R> request(Object request, long timeoutMs) {
    return vertx.eventBus().<R>request(address(request.getClass()), request,
            options(request.getClass()).setSendTimeout(timeoutMs))
        .map(reply -> reply.body());
  }

  /** Receives every message of {@code type} on the calling context. */
  public <T> MessageConsumer<T> consumer(Class<T> type, Handler<T> handler) {
    codec(type);
    return vertx.eventBus().<T>localConsumer(address(type), message -> handler.handle(message.body()));
  }

  /**
   * Handles requests of {@code type} on the calling context: the handler's future is the reply (a
   * failure is sent back as a failure, with its message).
   */
  public <T, R> MessageConsumer<T> responder(Class<T> type, java.util.function.Function<T, Future<R>> handler) {
    codec(type);
    return vertx.eventBus().<T>localConsumer(address(type), message -> handler.apply(message.body()).onComplete(done -> {
      if (done.succeeded()) {
        message.reply(done.result(), options(done.result() == null ? Object.class : done.result().getClass()));
      } else {
        message.fail(500, String.valueOf(done.cause().getMessage()));
      }
    }));
  }

  /** Whether a request failed because nobody answered in time (as opposed to an answer that was a failure). */
  public static boolean timedOut(Throwable failure) {
    return failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT;
  }

  private DeliveryOptions options(Class<?> type) {
    return new DeliveryOptions().setCodecName(codec(type)).setLocalOnly(true);
  }

  private static String address(Class<?> type) {
    return "pinstream." + type.getName();
  }

  /** The pass-through codec of {@code type}, registered on first use (once per Vert.x instance). */
  private String codec(Class<?> type) {
    String name = "local:" + type.getName();
    try {
      vertx.eventBus().registerCodec(new PassThrough<>(name));
    } catch (IllegalStateException alreadyRegistered) {
      // another component of this Vert.x instance registered it first
    }
    return name;
  }

  /** Hands the object itself to local receivers; never used on a wire. */
  private record PassThrough<T>(String name) implements MessageCodec<T, T> {
    @Override
    public void encodeToWire(Buffer buffer, T value) {
      throw new UnsupportedOperationException("local messages never leave the process");
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("local messages never leave the process");
    }

    @Override
    public T transform(T value) {
      return value;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
