package io.pinstream.media;

import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Files on disk, content-addressed by the SHA-256 of the original upload:
 * <pre>
 *   tmp/                          uploads being received
 *   originals/ab/abcdef...        the upload as received (never served: it may carry GPS and other metadata)
 *   images/ab/abcdef.../736x.jpg  served variants: 236x.jpg, 474x.jpg, 736x.jpg, orig.{jpg,png,gif,webp}
 *   variants/ab/abcdef.../...     rendered on demand (signed sizes, WebP copies), under a quota (VariantCache)
 * </pre>
 * Uploads are received under tmp/, images are written to a temp name beside their final one; both
 * are then moved into place atomically (same filesystem), so a
 * reader or a crash never sees half a file.
 *
 * <p>Every method that touches the disk blocks, and refuses to run on an event loop (an
 * {@link IllegalStateException}, so a misplaced call fails the tests instead of stalling a loop):
 * event loops use Vert.x's asynchronous file system instead.
 */
public final class MediaStorage {
  private final Path root;
  private final Path tmp;
  private final Set<Path> tempsInUse = ConcurrentHashMap.newKeySet();

  public MediaStorage(Path root) {
    this.root = root;
    this.tmp = root.resolve("tmp");
  }

  /** Blocking: creates the folders and removes temp files a crash left behind (those older than an hour). */
  public void prepare() throws IOException {
    requireBlockingAllowed();
    Files.createDirectories(tmp);
    Files.createDirectories(root.resolve("originals"));
    Files.createDirectories(root.resolve("images"));
    Instant cutoff = Instant.now().minus(Duration.ofHours(1));
    try (Stream<Path> stale = Files.list(tmp)) {
      stale.filter(p -> lastModified(p).isBefore(cutoff)).forEach(MediaStorage::deleteQuietly);
    }
  }

  /** A new temp file name for an upload, in use (never swept) until {@link #releaseTemp}. */
  public Path newTempFile() {
    Path file = tmp.resolve(UUID.randomUUID() + ".part");
    tempsInUse.add(file);
    return file;
  }

  /** The upload that took {@code file} is over (the file is moved into place or deleted). */
  public void releaseTemp(Path file) {
    tempsInUse.remove(file);
  }

  /**
   * Blocking: deletes the files under tmp/ untouched for longer than {@code idle} that no upload of this process
   * is using: the parts a {@code kill -9}, a crash or a lost delete left behind. Returns how many it deleted.
   */
  public int sweepTemp(Duration idle) throws IOException {
    requireBlockingAllowed();
    Instant cutoff = Instant.now().minus(idle);
    int deleted = 0;
    try (Stream<Path> files = Files.list(tmp)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        if (!tempsInUse.contains(file) && lastModified(file).isBefore(cutoff) && deleteQuietly(file)) {
          deleted++;
        }
      }
    }
    return deleted;
  }

  public Path original(String sha256) {
    return root.resolve("originals").resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  public Path imageDir(String sha256) {
    return root.resolve("images").resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  public Path image(String sha256, String file) {
    return imageDir(sha256).resolve(file);
  }

  /** Blocking: moves a received temp file to its content address; if it is already there, drops the temp. */
  public void commitOriginal(Path received, String sha256) throws IOException {
    requireBlockingAllowed();
    moveIntoPlace(received, original(sha256));
  }

  /** Blocking: writes one of the served variants, atomically. */
  void writeImage(String sha256, String file, AtomicFiles.Writer writer) throws IOException {
    requireBlockingAllowed();
    Files.createDirectories(imageDir(sha256));
    AtomicFiles.write(image(sha256, file), writer);
  }

  /** Blocking: whether every file named in a ready media's {@code images} is on disk. */
  boolean hasImages(String sha256, JsonObject images) {
    requireBlockingAllowed();
    if (images == null) {
      return false;
    }
    for (String size : images.fieldNames()) {
      if (!Files.isRegularFile(image(sha256, images.getJsonObject(size).getString("file")))) {
        return false;
      }
    }
    return true;
  }

  /** The folder of the on-the-fly sizes and WebP copies of an upload (see {@link VariantCache}). */
  Path variantDir(String sha256) {
    return root.resolve("variants").resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  /** Blocking: removes everything stored for this upload (its rendered variants included). */
  public void deleteAll(String sha256) {
    requireBlockingAllowed();
    deleteQuietly(original(sha256));
    deleteDir(imageDir(sha256));
    deleteDir(variantDir(sha256));
  }

  private static void deleteDir(Path dir) {
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        files.forEach(MediaStorage::deleteQuietly);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      deleteQuietly(dir);
    }
  }

  private static void moveIntoPlace(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      Files.deleteIfExists(from);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("media folder must be on one filesystem (tmp/ and images/ alike)", e);
    }
  }

  private static boolean deleteQuietly(Path path) {
    try {
      return Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // Nothing to do: a leftover temp file is swept later.
      return false;
    }
  }

  /** Fails when called on an event loop: blocking file calls belong on worker threads. */
  static void requireBlockingAllowed() {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("blocking file access on event loop " + Thread.currentThread().getName());
    }
  }

  private static Instant lastModified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toInstant();
    } catch (IOException e) {
      return Instant.now();
    }
  }
}
