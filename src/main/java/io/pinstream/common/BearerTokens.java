package io.pinstream.common;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Random bearer secrets (session tokens, merchant API keys, click ids) and the one way they are
 * stored: a SHA-256, which is right for secrets of full entropy (unlike passwords).
 */
public final class BearerTokens {
  private static final SecureRandom RANDOM = new SecureRandom();

  private BearerTokens() {
  }

  /** {@code prefix} followed by {@code bytes} random bytes, base64url without padding. */
  public static String random(String prefix, int bytes) {
    byte[] secret = new byte[bytes];
    RANDOM.nextBytes(secret);
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  public static Buffer sha256(String token) {
    try {
      return Buffer.buffer(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The token of an {@code Authorization} header's value {@code Bearer <token>}, or null. */
  public static String fromHeader(String header) {
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return header.substring(7).trim();
  }
}
