package io.pinstream.media;

import io.pinstream.common.Problems;
import io.pinstream.common.ServiceException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.FileProps;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CDN-facing image URLs {@code /i/{sha256}/{file}}. A URL names bytes that never change, so
 * responses are cacheable for a year ({@code immutable}), carry a strong ETag, answer
 * If-None-Match with 304 and Range with 206. Paths are matched against a strict pattern before
 * they touch the filesystem, so there is no way to traverse out of the media folder. A variant
 * whose file is missing while its media is ready is rendered again on demand, once.
 *
 * <p>Also {@code /i/{sha256}/{w}x{h}/{fit}.{ext}?s=}: sizes rendered on demand from the original, only when signed
 * ({@link MediaUrls}), once however many ask at the same time, kept in the {@link VariantCache}. The fixed widths
 * and the signed sizes are served as WebP to clients whose Accept names image/webp (libwebp), JPEG otherwise, with
 * {@code Vary: Accept} and an ETag per body.
 */
public final class ImageServer {
  private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern FILE = Pattern.compile("(236x|474x|736x)\\.jpg|orig\\.(jpg|png|gif|webp)");
  private static final Pattern FIXED_WIDTH = Pattern.compile("(236|474|736)x\\.jpg");
  private static final Pattern SIZE = Pattern.compile("([1-9][0-9]{0,3})x([1-9][0-9]{0,3})");
  private static final Pattern FIT = Pattern.compile("(cover|contain|inside)\\.(jpg|webp)");
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
  /** Bump when rendering changes the bytes of a variant, so ETags change with them. */
  private static final String RENDER_VERSION = "r1";
  /** Bump when on-the-fly rendering (signed sizes, WebP copies) changes its bytes. */
  private static final String VARIANT_VERSION = "v1";

  private final Vertx vertx;
  private final MediaStore store;
  private final MediaStorage storage;
  private final ThumbnailQueue queue;
  private final MediaUrls urls;
  private final Variants variants;

  public ImageServer(Vertx vertx, MediaStore store, MediaStorage storage, ThumbnailQueue queue, MediaUrls urls,
                     Variants variants) {
    this.vertx = vertx;
    this.store = store;
    this.storage = storage;
    this.queue = queue;
    this.urls = urls;
    this.variants = variants;
  }

  public void mount(Router router) {
    router.get("/i/:key/:file").handler(this::serve);
    router.head("/i/:key/:file").handler(this::serve);
    router.get("/i/:key/:size/:file").handler(this::serveSized);
    router.head("/i/:key/:size/:file").handler(this::serveSized);
  }

  /** Whether the request's Accept names image/webp with a weight above 0 (browsers that decode WebP name it). */
  static boolean acceptsWebp(String accept) {
    if (accept == null) {
      return false;
    }
    for (String part : accept.toLowerCase(java.util.Locale.ROOT).split(",")) {
      String[] params = part.trim().split(";");
      if (params[0].trim().equals("image/webp")) {
        for (int i = 1; i < params.length; i++) {
          String p = params[i].trim().replace(" ", "");
          if (p.equals("q=0") || p.matches("q=0\\.0*")) {
            return false;
          }
        }
        return true;
      }
    }
    return false;
  }

  private void serve(RoutingContext ctx) {
    String key = ctx.pathParam("key");
    String file = ctx.pathParam("file");
    Matcher name = FILE.matcher(file == null ? "" : file);
    if (key == null || !KEY.matcher(key).matches() || !name.matches()) {
      ctx.fail(Problems.notFound("image_not_found", "No such image"));
      return;
    }
    boolean negotiated = FIXED_WIDTH.matcher(file).matches();
    if (negotiated && WebpEncoder.available() && acceptsWebp(ctx.request().getHeader("Accept"))) {
      int width = Integer.parseInt(file.substring(0, file.indexOf('x')));
      String webpFile = width + "x.webp";
      serveVariant(ctx, key, webpFile, new VariantRenderer.Spec(width, 0, null, true), media -> true,
          etag(key, file + "-webp", VARIANT_VERSION));
      return;
    }
    Path path = storage.image(key, file);
    vertx.fileSystem().props(path.toString())
        .recover(missing -> renderMissing(key, file).compose(v -> vertx.fileSystem().props(path.toString())))
        .onSuccess(props -> send(ctx, path, props, contentType(file), etag(key, file, RENDER_VERSION), negotiated))
        .onFailure(ctx::fail);
  }

  private static String etag(String key, String name, String version) {
    return "\"" + key.substring(0, 32) + "-" + name + "-" + version + "\"";
  }

  /**
   * {@code /i/{sha256}/{w}x{h}/{fit}.{ext}?s=}: 403 unless signed by {@link MediaUrls}; a {@code .jpg} is served as
   * WebP to clients whose Accept names it, a {@code .webp} always.
   */
  private void serveSized(RoutingContext ctx) {
    String key = ctx.pathParam("key");
    String size = ctx.pathParam("size");
    String file = ctx.pathParam("file");
    Matcher box = SIZE.matcher(size == null ? "" : size);
    Matcher fit = FIT.matcher(file == null ? "" : file);
    if (key == null || !KEY.matcher(key).matches() || !box.matches() || !fit.matches()) {
      ctx.fail(Problems.notFound("image_not_found", "No such image"));
      return;
    }
    String path = "/i/" + key + "/" + size + "/" + file;
    if (!urls.verify(path, ctx.request().getParam("s"))) {
      ctx.fail(new ServiceException(403, "bad_signature", "Forbidden",
          "Image sizes are rendered only from the signed URLs the API hands out"));
      return;
    }
    int w = Integer.parseInt(box.group(1));
    int h = Integer.parseInt(box.group(2));
    MediaUrls.Fit how = MediaUrls.Fit.parse(fit.group(1));
    boolean jpgAsked = fit.group(2).equals("jpg");
    boolean webp = WebpEncoder.available()
        && (!jpgAsked || acceptsWebp(ctx.request().getHeader("Accept")));
    String name = w + "x" + h + "-" + fit.group(1) + (webp ? ".webp" : ".jpg");
    serveVariant(ctx, key, name, new VariantRenderer.Spec(w, h, how, webp),
        media -> VariantRenderer.fits(media.width(), media.height(), w, h, how),
        etag(key, w + "x" + h + "-" + file + (webp ? "-webp" : ""), VARIANT_VERSION));
  }

  /** Serves a variant from the cache, rendering it first (once, however many ask) when it is not there. */
  private void serveVariant(RoutingContext ctx, String key, String name, VariantRenderer.Spec spec,
                            java.util.function.Predicate<Media> allowed, String etag) {
    Path path = variants.file(key, name);
    boolean vary = spec.fit() == null || ctx.pathParam("file").endsWith(".jpg");
    String type = spec.webp() ? "image/webp" : "image/jpeg";
    vertx.fileSystem().props(path.toString())
        .onSuccess(props -> {
          variants.touch(path, props.size());
          send(ctx, path, props, type, etag, vary);
        })
        .onFailure(missing -> variants.render(key, path, spec, allowed)
            .compose(v -> vertx.fileSystem().props(path.toString()))
            .onSuccess(props -> send(ctx, path, props, type, etag, vary))
            .onFailure(ctx::fail));
  }

  /** The file is not on disk: if the media exists and is ready, render its variants again (single flight). */
  private Future<Void> renderMissing(String key, String file) {
    return store.bySha(key).compose(media -> {
      if (media == null || !media.ready() || media.images() == null || !hasFile(media, file)) {
        return Future.failedFuture(Problems.notFound("image_not_found", "No such image"));
      }
      if (!queue.tryReserve()) {
        return Future.failedFuture(Problems.unavailable("thumbnail_queue_full", "Busy rendering; retry shortly", 2));
      }
      return queue.run(new ThumbnailJob(media, null, true)).compose(written -> written != null && written.ready()
          ? Future.<Void>succeededFuture()
          : Future.failedFuture(Problems.notFound("image_not_found", "No such image")));
    });
  }

  private static boolean hasFile(Media media, String file) {
    return media.images().fieldNames().stream()
        .anyMatch(size -> file.equals(media.images().getJsonObject(size).getString("file")));
  }

  private void send(RoutingContext ctx, Path path, FileProps props, String contentType, String etag, boolean vary) {
    HttpServerResponse response = ctx.response();
    long size = props.size();
    if (vary) {
      // The same URL has a WebP and a JPEG body: caches must key on Accept.
      response.putHeader("Vary", "Accept");
    }
    response.putHeader("Cache-Control", "public, max-age=31536000, immutable")
        .putHeader("ETag", etag)
        .putHeader("Accept-Ranges", "bytes")
        .putHeader("Content-Type", contentType)
        .putHeader("Content-Security-Policy", "default-src 'none'; sandbox")
        // Already compressed; and a gzipped body would break byte ranges.
        .putHeader("Content-Encoding", "identity");

    String ifNoneMatch = ctx.request().getHeader("If-None-Match");
    if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
      response.setStatusCode(304).end();
      return;
    }
    long start = 0;
    long end = size - 1;
    String range = ctx.request().getHeader("Range");
    String ifRange = ctx.request().getHeader("If-Range");
    if (range != null && (ifRange == null || ifRange.equals(etag))) {
      Matcher m = RANGE.matcher(range.trim());
      if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
        if (m.group(1).isEmpty()) {
          start = Math.max(0, size - position(m.group(2)));
        } else {
          start = position(m.group(1));
          if (!m.group(2).isEmpty()) {
            end = Math.min(end, position(m.group(2)));
          }
        }
        if (start >= size || start > end) {
          response.setStatusCode(416).putHeader("Content-Range", "bytes */" + size).end();
          return;
        }
        response.setStatusCode(206).putHeader("Content-Range", "bytes " + start + "-" + end + "/" + size);
      }
      // Several ranges or a malformed header: ignored, the whole file is sent (RFC 9110 allows it).
    }
    long length = end - start + 1;
    if (ctx.request().method() == HttpMethod.HEAD) {
      response.putHeader("Content-Length", String.valueOf(length)).end();
      return;
    }
    response.sendFile(path.toString(), start, length).onFailure(e -> response.reset());
  }

  /** A byte position of a Range header; one past any file's end when it does not fit a long (20 digits). */
  private static long position(String digits) {
    return digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
  }

  private static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch.trim().equals("*")) {
      return true;
    }
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.trim();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals(etag)) {
        return true;
      }
    }
    return false;
  }

  private static String contentType(String file) {
    if (file.endsWith(".png")) {
      return "image/png";
    }
    if (file.endsWith(".gif")) {
      return "image/gif";
    }
    if (file.endsWith(".webp")) {
      return "image/webp";
    }
    return "image/jpeg";
  }
}
