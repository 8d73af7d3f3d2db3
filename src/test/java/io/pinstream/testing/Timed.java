package io.pinstream.testing;

import java.util.function.Supplier;

/** A reply and how long it took, for tests that bound answer times (faults must be answered in time). */
public record Timed(ApiClient.Reply reply, long ms) {
  public static Timed of(Supplier<ApiClient.Reply> call) {
    long start = System.nanoTime();
    ApiClient.Reply reply = call.get();
    return new Timed(reply, (System.nanoTime() - start) / 1_000_000);
  }
}
