package io.pinstream.pins;

import io.vertx.core.Future;

/**
 * Told after a pin was created, edited, saved or deleted: the change is committed with its fan-out job, and
 * feeds deliver it. The request waits for this briefly so the author reads their own write; if it is
 * slow or fails, the job is still recorded and the sweep finishes it.
 */
public interface PinEvents {
  /**
   * A new pin (a save is one too, with {@code parentPinId}). {@code json} is its API object, encoded
   * once: the same bytes go to the creator, the pin caches and the live push.
   */
  Future<Void> pinCreated(Pin pin, byte[] json);

  Future<Void> pinDeleted(long pinId);

  /** A pin's words or link changed (its owner edited it). */
  Future<Void> pinEdited(long pinId);

  /** A pin's counts changed because it was saved. */
  Future<Void> pinSaved(long originalPinId);
}
