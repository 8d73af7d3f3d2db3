package io.pinstream.live;

/** A user followed or unfollowed someone or a board: their live home subscriptions, on every node, reload whom they follow. */
record FollowsChanged(long userId) {
}
