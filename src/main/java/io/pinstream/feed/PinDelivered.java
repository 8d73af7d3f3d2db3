package io.pinstream.feed;

/**
 * A pin is now in (or, {@code removed}, out of) every feed it belongs to: published on this node's
 * local events after fan-out, for the live push. Where it lives comes along, so nobody has to look
 * it up again.
 */
public record PinDelivered(long pinId, long ownerId, String ownerUsername, long boardId, boolean removed) {
}
