package io.pinstream.media;

import io.pinstream.common.Problems;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Streams the multipart part named {@code file} to a temp file, hashing it on the way, with
 * back-pressure (a slow disk pauses the socket; nothing piles up in memory) and a byte limit that
 * fails the moment it is passed. Other parts are read and dropped.
 */
final class UploadReceiver {
  static final String PART = "file";

  /** A fully received upload in a temp file. */
  record Received(Path file, String sha256, long bytes) {
  }

  private final Vertx vertx;
  private final HttpServerRequest request;
  private final Path target;
  private final long maxBytes;
  private final Promise<Received> result = Promise.promise();
  private final MessageDigest digest;
  private AsyncFile file;
  private boolean sawFilePart;
  private boolean partEnded;
  private boolean requestEnded;
  private boolean failing;
  private long bytes;

  private UploadReceiver(Vertx vertx, HttpServerRequest request, Path target, long maxBytes) {
    this.vertx = vertx;
    this.request = request;
    this.target = target;
    this.maxBytes = maxBytes;
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Receives the request body; on failure the temp file is already deleted. */
  static Future<Received> receive(Vertx vertx, HttpServerRequest request, Path target, long maxBytes) {
    return new UploadReceiver(vertx, request, target, maxBytes).start();
  }

  private Future<Received> start() {
    request.setExpectMultipart(true);
    request.uploadHandler(this::onPart);
    request.exceptionHandler(this::fail);
    request.endHandler(v -> {
      requestEnded = true;
      finish();
    });
    request.resume();
    return result.future();
  }

  private void onPart(HttpServerFileUpload upload) {
    if (!PART.equals(upload.name()) || sawFilePart) {
      upload.handler(this::countOnly);
      return;
    }
    sawFilePart = true;
    upload.pause();
    vertx.fileSystem().open(target.toString(), new OpenOptions().setWrite(true).setCreateNew(true))
        .onFailure(this::fail)
        .onSuccess(opened -> {
          file = opened;
          if (failing) {
            // Failed while the file was being opened: fail() could not remove it then.
            opened.close().onComplete(c -> vertx.fileSystem().delete(target.toString()));
            return;
          }
          upload.handler(chunk -> {
            if (!count(chunk.length())) {
              return;
            }
            digest.update(chunk.getBytes());
            file.write(chunk);
            if (file.writeQueueFull()) {
              upload.pause();
              file.drainHandler(d -> upload.resume());
            }
          });
          upload.exceptionHandler(this::fail);
          upload.endHandler(v -> {
            partEnded = true;
            finish();
          });
          upload.resume();
        });
  }

  private void countOnly(io.vertx.core.buffer.Buffer chunk) {
    count(chunk.length());
  }

  /** Adds to the byte count; past the limit fails the upload (once) and says false. */
  private boolean count(int length) {
    if (failing || result.future().isComplete()) {
      return false;
    }
    bytes += length;
    if (bytes > maxBytes) {
      fail(Problems.tooLarge("file_too_large", "The upload is larger than " + maxBytes + " bytes"));
      return false;
    }
    return true;
  }

  /** Called at the end of the request and of the file part; acts once both are over. */
  private void finish() {
    if (failing || result.future().isComplete() || !requestEnded || (sawFilePart && !partEnded)) {
      return;
    }
    if (!sawFilePart || file == null) {
      fail(Problems.badRequest("file_missing", "Send multipart/form-data with one part named \"file\""));
      return;
    }
    if (bytes == 0) {
      fail(Problems.badRequest("file_empty", "The uploaded file is empty"));
      return;
    }
    file.close().onComplete(closed -> {
      if (closed.failed()) {
        fail(closed.cause());
      } else {
        result.tryComplete(new Received(target, HexFormat.of().formatHex(digest.digest()), bytes));
      }
    });
  }

  /** Removes the partial file first, then fails: when the client hears of it, nothing is left. */
  private void fail(Throwable cause) {
    if (failing || result.future().isComplete()) {
      return;
    }
    failing = true;
    if (file == null) {
      result.tryFail(cause);
      return;
    }
    file.close().otherwiseEmpty()
        .compose(c -> vertx.fileSystem().delete(target.toString()))
        .onComplete(deleted -> result.tryFail(cause));
  }
}
