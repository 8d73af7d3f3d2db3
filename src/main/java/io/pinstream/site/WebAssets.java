package io.pinstream.site;

import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The browser app's files from {@code webroot/} on the classpath, read once. Each script and style sheet
 * is served under a name that carries its content hash ({@code /assets/app.3f2a9c1b0d4e.js}), so it can
 * be cached for a year and a new build is fetched at once; the HTML shell names them and is never
 * cached without revalidation. No build step: the hashing happens here, when the server starts.
 */
public final class WebAssets {
  private static final String ROOT = "/webroot/";
  /** The page's own files, in the shell as {@code /<name>}. */
  private static final String[] FILES = {"app.css", "app.js"};

  /** One file: its bytes, its content type, and its strong ETag (the content hash). */
  public record Asset(Buffer bytes, String contentType, String etag) {
  }

  private final Map<String, Asset> byHashedName;
  private final String shell;

  private WebAssets(Map<String, Asset> byHashedName, String shell) {
    this.byHashedName = byHashedName;
    this.shell = shell;
  }

  /** Reads the files (a few kilobytes from the jar, once per process). */
  public static WebAssets load() {
    Map<String, Asset> assets = new LinkedHashMap<>();
    String shell = new String(read("index.html"), StandardCharsets.UTF_8);
    for (String name : FILES) {
      byte[] bytes = read(name);
      String hash = sha256(bytes).substring(0, 16);
      int dot = name.lastIndexOf('.');
      String hashed = name.substring(0, dot) + "." + hash + name.substring(dot);
      assets.put(hashed, new Asset(Buffer.buffer(bytes), contentType(name), '"' + hash + '"'));
      String reference = "\"/" + name + "\"";
      if (!shell.contains(reference)) {
        throw new IllegalStateException("webroot/index.html does not name " + reference);
      }
      shell = shell.replace(reference, "\"/assets/" + hashed + "\"");
    }
    return new WebAssets(Map.copyOf(assets), shell);
  }

  /** The file served as {@code /assets/<hashedName>}, or null. */
  public Asset asset(String hashedName) {
    return byHashedName.get(hashedName);
  }

  /** The HTML shell, its hashed file names filled in. */
  public String shell() {
    return shell;
  }

  private static byte[] read(String name) {
    try (InputStream in = WebAssets.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IllegalStateException(ROOT + name + " is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String contentType(String name) {
    if (name.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    if (name.endsWith(".css")) {
      return "text/css; charset=utf-8";
    }
    throw new IllegalArgumentException(name);
  }
}
