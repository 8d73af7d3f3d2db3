package io.pinstream.accounts;

/** A session was revoked (logged out): every node forgets it and closes the live connections opened with it. */
public record SessionRevoked(String fingerprint) {
}
