package io.pinstream.media;

import io.pinstream.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Image URLs as the API hands them out: the fixed widths under {@code publicBaseUrl}, and on-the-fly sizes
 * {@code /i/{sha256}/{w}x{h}/{fit}.{ext}?s={signature}}, signed with HMAC-SHA256 over the path so that only the
 * sizes this service handed out can make the origin render (a CDN in front caches each one; nobody can make it
 * render arbitrary sizes). The signature is the first 128 bits, base64url without padding (22 characters).
 */
public final class MediaUrls {
  private static final Logger log = LoggerFactory.getLogger(MediaUrls.class);
  static final int SIGNATURE_CHARS = 22;

  /** The sizes every media object names besides the fixed widths: square crops for grids, a bounded preview. */
  static final java.util.List<SignedSize> STANDARD = java.util.List.of(
      new SignedSize("square_236", 236, 236, Fit.COVER),
      new SignedSize("square_474", 474, 474, Fit.COVER),
      new SignedSize("preview_1200", 1200, 1200, Fit.INSIDE));

  /** How an image is fitted to a box: cropped to fill it, letterboxed in it, or scaled to fit inside it. */
  public enum Fit {
    COVER, CONTAIN, INSIDE;

    static Fit parse(String s) {
      return switch (s) {
        case "cover" -> COVER;
        case "contain" -> CONTAIN;
        case "inside" -> INSIDE;
        default -> null;
      };
    }

    String pathName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A named size: {@code name} is its key in the API's {@code image_sizes}. */
  public record SignedSize(String name, int width, int height, Fit fit) {
  }

  private static final java.util.regex.Pattern REQUESTED =
      java.util.regex.Pattern.compile("([1-9][0-9]{0,3})x([1-9][0-9]{0,3})/(cover|contain|inside)");
  /** Most sizes one request may ask for with {@code ?sizes=}. */
  static final int MAX_REQUESTED = 10;

  /**
   * {@code ?sizes=300x200/cover,640x640/inside} of {@code GET /api/v1/media/{id}}: each becomes an entry of
   * {@code image_sizes} under its own text. Null when the text is not of that form.
   */
  static java.util.List<SignedSize> parseRequested(String sizes) {
    java.util.List<SignedSize> out = new java.util.ArrayList<>();
    for (String one : sizes.split(",")) {
      java.util.regex.Matcher m = REQUESTED.matcher(one.trim());
      if (!m.matches() || out.size() == MAX_REQUESTED) {
        return null;
      }
      out.add(new SignedSize(one.trim(), Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
          Fit.parse(m.group(3))));
    }
    return out;
  }

  private final String baseUrl;
  private final byte[] key;

  public MediaUrls(Config.Media config) {
    this(config.publicBaseUrl(), config.urlSecret());
  }

  MediaUrls(String baseUrl, String secret) {
    this.baseUrl = baseUrl;
    if (secret == null || secret.isEmpty()) {
      log.warn("media.url_secret (PINSTREAM_MEDIA_URL_SECRET) is empty: using a random one for this process, so "
          + "signed image sizes made by one node or before a restart are refused (403) by another");
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      this.key = random;
    } else {
      this.key = secret.getBytes(StandardCharsets.UTF_8);
    }
  }

  public String baseUrl() {
    return baseUrl;
  }

  /** A fixed-width file's URL, e.g. {@code 236x.jpg}. */
  String image(String sha256, String file) {
    return baseUrl + "/i/" + sha256 + "/" + file;
  }

  /** The signed URL of an on-the-fly size. */
  public String sized(String sha256, int width, int height, Fit fit, String ext) {
    String path = "/i/" + sha256 + "/" + width + "x" + height + "/" + fit.pathName() + "." + ext;
    return baseUrl + path + "?s=" + sign(path);
  }

  /** Whether {@code signature} was made by {@link #sized} for this path (compared in constant time). */
  boolean verify(String path, String signature) {
    if (signature == null || signature.length() != SIGNATURE_CHARS) {
      return false;
    }
    return MessageDigest.isEqual(sign(path).getBytes(StandardCharsets.US_ASCII),
        signature.getBytes(StandardCharsets.US_ASCII));
  }

  String sign(String path) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] full = mac.doFinal(path.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(full, 16));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
