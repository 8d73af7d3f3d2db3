package io.pinstream.pins;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.pinstream.media.MediaUrls;

/**
 * The one place a pin becomes its API JSON. A new pin is encoded once by its creator and those bytes
 * are reused (feeds, caches, the live push); after that only cache misses encode again, which
 * {@code pinstream.pin.encodes} counts.
 */
public final class PinEncoder {
  private final MediaUrls imageUrls;
  private final Counter encodes;

  /** @param imageUrls image URLs (under a CDN origin, or absolute paths), signed sizes included */
  public PinEncoder(MediaUrls imageUrls, MeterRegistry metrics) {
    this.imageUrls = imageUrls;
    this.encodes = Counter.builder("pinstream.pin.encodes")
        .description("Pins encoded to their API JSON (new pins, and pins read past every cache)").register(metrics);
  }

  public byte[] encode(Pin pin) {
    encodes.increment();
    return pin.toJson(imageUrls).toBuffer().getBytes();
  }
}
