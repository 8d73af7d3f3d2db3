package io.pinstream.media;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Write-to-temp-then-rename, so a reader (or a crash) never sees half a file. */
final class AtomicFiles {
  interface Writer {
    void write(OutputStream out) throws IOException;
  }

  private AtomicFiles() {
  }

  static void write(Path dest, Writer writer) throws IOException {
    Path tmp = Files.createTempFile(dest.toAbsolutePath().getParent(), ".media", ".tmp");
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 65536)) {
        writer.write(out);
      }
      try {
        // createTempFile makes the file owner-only; media files are meant to be served.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException notPosix) {
        // keep the platform default
      }
      Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
