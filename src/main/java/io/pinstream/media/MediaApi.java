package io.pinstream.media;

import io.pinstream.accounts.Auth;
import io.pinstream.accounts.UserRef;
import io.pinstream.config.Config;
import io.pinstream.common.ServiceException;
import io.pinstream.common.Ids;
import io.pinstream.common.Problems;
import io.pinstream.web.RateLimiter;
import io.pinstream.web.RequestIds;
import io.pinstream.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code POST /api/v1/media} (upload) and {@code GET /api/v1/media/{id}}.
 *
 * <p>An upload is checked in the order that costs least: the declared length and a free place in
 * the thumbnail queue before a byte is read; the byte limit while streaming to disk; the type and
 * dimensions from the file header before any decode; the pixels last, on a thumbnail worker. The
 * answer waits a little ({@code media.sync_wait_ms}) for the thumbnails: 201 when they are ready,
 * 202 while they are still being made.
 */
public final class MediaApi {
  private static final Logger log = LoggerFactory.getLogger(MediaApi.class);
  /** Room for multipart boundaries and part headers on top of the file itself. */
  private static final long MULTIPART_OVERHEAD = 16 * 1024;

  /** How long a refused upload's remaining bytes are read and dropped before its connection closes. */
  private static final long LINGER_MS = 2000;
  private final Vertx vertx;
  private final MediaStore store;
  private final MediaStorage storage;
  private final MediaProcessor processor;
  private final ThumbnailQueue queue;
  private final Auth auth;
  private final Config.Media config;
  private final RateLimiter limiter;
  private final Config.RateLimits limits;
  private final MediaUrls urls;

  public MediaApi(Vertx vertx, MediaStore store, MediaStorage storage, MediaProcessor processor, ThumbnailQueue queue,
                  Auth auth, Config.Media config, RateLimiter limiter, Config.RateLimits limits, MediaUrls urls) {
    this.urls = urls;
    this.limiter = limiter;
    this.limits = limits;
    this.vertx = vertx;
    this.store = store;
    this.storage = storage;
    this.processor = processor;
    this.queue = queue;
    this.auth = auth;
    this.config = config;
  }

  /** Mount before any body handler: the upload route reads its own body. */
  public void mount(Router router) {
    // Paused until the receiver is ready: the body must not flow (and be lost) during the async auth lookup.
    router.post("/api/v1/media").handler(ctx -> {
      ctx.request().pause();
      ctx.next();
    }).handler(auth.required()).handler(this::upload);
    router.get("/api/v1/media/:id").handler(this::get);
  }

  private void get(RoutingContext ctx) {
    long id = Ids.pathId(ctx.pathParam("id"), "media");
    String asked = ctx.request().getParam("sizes");
    java.util.List<MediaUrls.SignedSize> sizes = asked == null ? java.util.List.of() : MediaUrls.parseRequested(asked);
    if (sizes == null) {
      ctx.fail(Problems.badRequest("invalid_sizes", "sizes: up to " + MediaUrls.MAX_REQUESTED
          + " comma-separated {width}x{height}/{cover|contain|inside}, each side 1-9999"));
      return;
    }
    Responses.reply(ctx, 200, store.get(id).compose(media -> media == null
        ? Future.failedFuture(Problems.notFound("media_not_found", "No media with id " + id))
        : Future.succeededFuture(media.toJson(urls, sizes))));
  }

  private void upload(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    HttpServerRequest request = ctx.request();
    String type = request.getHeader("Content-Type");
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      refuseUnread(ctx, Problems.unsupportedMediaType("Send multipart/form-data with one part named \"file\""));
      return;
    }
    String length = request.getHeader("Content-Length");
    if (length != null && parseLength(length) > config.maxUploadBytes() + MULTIPART_OVERHEAD) {
      refuseUnread(ctx, Problems.tooLarge("file_too_large", "The upload is larger than " + config.maxUploadBytes() + " bytes"));
      return;
    }
    // Per user: uploads an hour, and bytes a day (by the declared length: browsers always send one).
    String user = Long.toString(me.id());
    long declared = length == null ? 0 : Math.max(0, parseLength(length));
    limiter.hitUnlessDown("uploads", user, limits.uploadsPerUserPerHour(), 3600)
        .compose(v -> limiter.takeUnlessDown("upload_bytes", user, declared, limits.uploadBytesPerUserPerDay(), 86_400))
        .onSuccess(v -> receive(ctx, me))
        .onFailure(e -> refuseUnread(ctx, e instanceof ServiceException s ? s
            : Problems.unavailable("service_unavailable", "Try again shortly", 2)));
  }

  private void receive(RoutingContext ctx, UserRef me) {
    HttpServerRequest request = ctx.request();
    if (!queue.tryReserve()) {
      refuseUnread(ctx, Problems.unavailable("thumbnail_queue_full", "Too many uploads are being processed; retry shortly", 5));
      return;
    }
    boolean[] reservationUsed = {false};
    Path temp = storage.newTempFile();
    UploadReceiver.receive(vertx, request, temp, config.maxUploadBytes())
        .compose(received -> accept(received, me, () -> reservationUsed[0] = true))
        .onComplete(done -> {
          // The temp file is moved into place or deleted by now.
          storage.releaseTemp(temp);
          // Whatever the outcome, a place no job took is given back (a duplicate upload runs no job).
          if (!reservationUsed[0]) {
            queue.release();
          }
        })
        .onSuccess(media -> Responses.json(ctx, media.ready() ? 201 : 202, media.toJson(urls)))
        .onFailure(e -> {
          if (e instanceof HttpClosedException) {
            // Not a bug and nobody to answer: the client went away, or a stop's grace ran out mid-upload.
            log.warn("upload cut before its end, its part deleted: {} [request {}]", e.getMessage(), RequestIds.of(ctx));
          } else if (e instanceof ServiceException api && api.status() == 413) {
            refuseUnread(ctx, api);
          } else {
            ctx.fail(e);
          }
        });
  }

  /**
   * One statement per state change: the header is probed (on a worker thread), then one upsert
   * either inserts the row, already claimed by this node so no other node renders it meanwhile, or
   * returns the row the same bytes made before. Only a new row moves the original into place and
   * runs its job; for an existing one the temp file is dropped. Whatever fails before the original
   * is in place takes the temp file (and a row this upload made) with it: nothing of a refused
   * upload stays.
   *
   * @param jobStarted told when the job took the upload's place in the queue
   */
  private Future<Media> accept(UploadReceiver.Received received, UserRef me, Runnable jobStarted) {
    Path temp = received.file();
    Function<Throwable, Future<Media>> dropAndFail = e -> dropTemp(temp).compose(v -> Future.failedFuture(e));
    return vertx.executeBlocking(() -> processor.probe(temp), false).compose(info ->
        store.insertOrGet(received.sha256(), info, received.bytes(), me.id(), config.jobLeaseSeconds()).compose(stored -> {
          if (!stored.created()) {
            return dropTemp(temp).compose(v -> answerExisting(stored.media()));
          }
          return commitOriginal(temp, stored.media()).compose(media -> {
            jobStarted.run();
            return waitForThumbnails(media, info);
          });
        }, dropAndFail), dropAndFail);
  }

  /** Moves the original to its content address; if that fails, the row this upload made goes too. */
  private Future<Media> commitOriginal(Path temp, Media media) {
    return vertx.executeBlocking(() -> {
          storage.commitOriginal(temp, media.sha256());
          return media;
        }, false)
        .recover(e -> dropTemp(temp)
            .compose(v -> store.deleteUnused(media.id()))
            .transform(deleted -> Future.failedFuture(e)));
  }

  /** Deletes a received temp file without blocking the event loop; a file already gone is fine. */
  private Future<Void> dropTemp(Path file) {
    return vertx.fileSystem().delete(file.toString()).recover(e -> {
      if (!(e.getCause() instanceof NoSuchFileException)) {
        log.warn("could not delete {} (removed at the next start if left): {}", file, e.toString());
      }
      return Future.succeededFuture();
    });
  }

  /** The same bytes were uploaded before: answer with that media (a failed one fails again). */
  private Future<Media> answerExisting(Media existing) {
    if (Media.FAILED.equals(existing.status())) {
      return Future.failedFuture(ImageRejectedException.forFailureCode(existing.failureCode()));
    }
    return Future.succeededFuture(existing);
  }

  /**
   * Hands the job to the workers and waits up to {@code sync_wait_ms} for the row they write: ready
   * is 201 with its images, failed is the rejection (and nothing of the upload is kept), anything
   * else is the processing media (202), finished later.
   */
  private Future<Media> waitForThumbnails(Media media, ImageInfo info) {
    return queue.run(new ThumbnailJob(media, info, true))
        .timeout(config.syncWaitMs(), TimeUnit.MILLISECONDS)
        .otherwise(e -> null)
        .compose(written -> {
          if (written == null) {
            return Future.succeededFuture(media);
          }
          if (Media.FAILED.equals(written.status())) {
            // The uploader is still here to be told: leave no trace of the rejected upload.
            return store.deleteUnused(media.id())
                .compose(v -> Future.failedFuture(ImageRejectedException.forFailureCode(written.failureCode())));
          }
          return Future.succeededFuture(written);
        });
  }

  /**
   * Answers without reading the body, then closes the connection. Closing a socket that still has
   * unread bytes makes the kernel send a reset, which can destroy the answer before the client
   * reads it; so, like nginx's lingering close, the rest of the body is read and dropped for at most
   * {@value #LINGER_MS} ms (nothing is kept) before the connection closes.
   */
  private void refuseUnread(RoutingContext ctx, ServiceException problem) {
    HttpServerRequest request = ctx.request();
    ctx.response().putHeader("Connection", "close");
    ctx.response().endHandler(v -> {
      HttpConnection connection = request.connection();
      if (request.isEnded()) {
        connection.close();
        return;
      }
      long linger = vertx.setTimer(LINGER_MS, id -> connection.close());
      request.handler(dropped -> {
      }).endHandler(end -> {
        vertx.cancelTimer(linger);
        connection.close();
      }).exceptionHandler(e -> {
        vertx.cancelTimer(linger);
        connection.close();
      });
      request.resume();
    });
    ctx.fail(problem);
  }

  private static long parseLength(String header) {
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
