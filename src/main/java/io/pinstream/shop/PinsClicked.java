package io.pinstream.shop;

import java.util.List;

/** Counted clicks were written for these pins: their click counts and trending scores moved. */
public record PinsClicked(List<Long> pinIds) {
}
