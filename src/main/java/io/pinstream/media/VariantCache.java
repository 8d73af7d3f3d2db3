package io.pinstream.media;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Rendered on-the-fly sizes and WebP copies on disk ({@code variants/ab/abcdef.../...}), kept under a byte quota:
 * when a new file takes the total over it, the least recently served files are deleted until it fits. Recency is
 * kept in memory (a hit costs no disk write); at start the files found are ordered by their modification time.
 * Every rendered file can be made again from its original, so an evicted one costs a render, nothing more.
 */
final class VariantCache {
  private static final Logger log = LoggerFactory.getLogger(VariantCache.class);
  private final Path root;
  private final long quotaBytes;
  /** File to size, least recently used first. Guarded by {@code this}. */
  private final LinkedHashMap<Path, Long> files = new LinkedHashMap<>(256, 0.75f, true);
  private long total;

  VariantCache(Path mediaRoot, long quotaBytes) {
    this.root = mediaRoot.resolve("variants");
    this.quotaBytes = quotaBytes;
  }

  Path file(String sha256, String name) {
    return root.resolve(sha256.substring(0, 2)).resolve(sha256).resolve(name);
  }

  /** Blocking: indexes the files already on disk, oldest first, and trims to the quota. */
  void load() throws IOException {
    MediaStorage.requireBlockingAllowed();
    if (!Files.isDirectory(root)) {
      return;
    }
    List<Map.Entry<Path, long[]>> found = new ArrayList<>();
    try (Stream<Path> all = Files.walk(root, 3)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")) {
          found.add(Map.entry(p, new long[] {Files.getLastModifiedTime(p).toMillis(), Files.size(p)}));
        }
      }
    }
    found.sort(Comparator.comparingLong(e -> e.getValue()[0]));
    List<Path> evict;
    synchronized (this) {
      LinkedHashMap<Path, Long> known = new LinkedHashMap<>(files);
      files.clear();
      total = 0;
      for (Map.Entry<Path, long[]> e : found) {
        if (!known.containsKey(e.getKey())) {
          files.put(e.getKey(), e.getValue()[1]);
          total += e.getValue()[1];
        }
      }
      known.forEach((p, size) -> {
        files.put(p, size);
        total += size;
      });
      evict = overQuota();
    }
    delete(evict);
    log.info("variant cache: {} files, {} MB of {} MB", files.size(), total >> 20, quotaBytes >> 20);
  }

  /** A file was served: it becomes the most recently used. */
  synchronized void touch(Path file, long size) {
    Long old = files.put(file, size);
    total += size - (old == null ? 0 : old);
  }

  /** Blocking: a file was just written; older ones are deleted while the total is over the quota. */
  void added(Path file, long size) {
    MediaStorage.requireBlockingAllowed();
    List<Path> evict;
    synchronized (this) {
      Long old = files.put(file, size);
      total += size - (old == null ? 0 : old);
      evict = overQuota();
    }
    delete(evict);
  }

  synchronized long totalBytes() {
    return total;
  }

  /** Takes the least recently used entries off until the total fits (never the newest one). */
  private List<Path> overQuota() {
    List<Path> evict = new ArrayList<>();
    Iterator<Map.Entry<Path, Long>> it = files.entrySet().iterator();
    while (total > quotaBytes && files.size() > 1 && it.hasNext()) {
      Map.Entry<Path, Long> eldest = it.next();
      total -= eldest.getValue();
      evict.add(eldest.getKey());
      it.remove();
    }
    return evict;
  }

  private static void delete(List<Path> evict) {
    for (Path p : evict) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        log.warn("could not delete evicted variant {}: {}", p, e.toString());
      }
    }
  }
}
