package io.pinstream.media;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Media rows, which double as the durable thumbnail job queue (status 'processing' + a lease). */
public final class MediaStore {
  /** A job is attempted at most this many times (the upload's own render, then sweeps on any node). */
  public static final int MAX_ATTEMPTS = 3;
  private static final String SELECT = "SELECT " + Media.COLUMNS + " FROM media m ";
  private final SqlClient pool;

  public MediaStore(SqlClient pool) {
    this.pool = pool;
  }

  public Future<Media> get(long id) {
    return pool.preparedQuery(SELECT + "WHERE m.id = $1").execute(Tuple.of(id)).map(MediaStore::first);
  }

  /** The media of the bytes with this SHA-256 (content address), or null. */
  public Future<Media> bySha(String sha256) {
    return pool.preparedQuery(SELECT + "WHERE m.sha256 = $1").execute(Tuple.of(sha256)).map(MediaStore::first);
  }

  /** The row for an upload, and whether this call created it. */
  public record Stored(Media media, boolean created) {
  }

  /**
   * Records an accepted upload (and so its thumbnail job), already claimed by this node for
   * {@code leaseSeconds}: it renders it right away, others step in only if the lease runs out. When
   * the same bytes were stored before (or meanwhile, by someone else), returns that row instead: one
   * upload, one media. One statement either way: the no-op update on conflict makes the existing
   * row come back through RETURNING, and {@code xmax = 0} holds only for a row this statement
   * inserted.
   */
  public Future<Stored> insertOrGet(String sha256, ImageInfo info, long bytes, long uploadedBy, int leaseSeconds) {
    return pool.preparedQuery("""
            INSERT INTO media AS m (sha256, format, bytes, width, height, uploaded_by, claimed_until, attempts)
            VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7), 1)
            ON CONFLICT (sha256) DO UPDATE SET sha256 = EXCLUDED.sha256
            RETURNING""" + " " + Media.COLUMNS + ", (m.xmax = 0) AS created")
        .execute(Tuple.of(sha256, info.format().name().toLowerCase(Locale.ROOT), bytes, info.displayWidth(), info.displayHeight(),
            uploadedBy, leaseSeconds))
        .map(rows -> {
          Row row = rows.iterator().next();
          return new Stored(Media.from(row), row.getBoolean("created"));
        });
  }

  /**
   * Takes the job for {@code leaseSeconds}; null when it is done, gone, another worker holds it, or it has
   * had its {@link #MAX_ATTEMPTS} (then {@link #failExhausted} ends it).
   */
  public Future<Media> claim(long id, int leaseSeconds) {
    return pool.preparedQuery("""
            UPDATE media m SET claimed_until = now() + make_interval(secs => $2), attempts = attempts + 1
             WHERE id = $1 AND status = 'processing' AND (claimed_until IS NULL OR claimed_until < now())
               AND attempts < $3
            RETURNING""" + " " + Media.COLUMNS)
        .execute(Tuple.of(id, leaseSeconds, MAX_ATTEMPTS))
        .map(MediaStore::first);
  }

  /**
   * A finished job: ready, with its images, lease given up; returns the row as written. Not
   * conditional on holding the lease: a re-render of a ready media (a variant file went missing)
   * holds none, and writes the same files and values again.
   */
  public Future<Media> markReady(long id, JsonObject images, String dominantColor) {
    return pool.preparedQuery("""
            UPDATE media m SET status = 'ready', images = $2, dominant_color = $3, claimed_until = NULL,
                   ready_at = coalesce(ready_at, now())
             WHERE id = $1
            RETURNING""" + " " + Media.COLUMNS)
        .execute(Tuple.of(id, images, dominantColor))
        .map(MediaStore::first);
  }

  /** A job whose image was refused ({@code code}, see {@link ImageRejectedException}); returns the row as written. */
  public Future<Media> markFailed(long id, String code) {
    return pool.preparedQuery("""
            UPDATE media m SET status = 'failed', failure_code = $2, claimed_until = NULL
             WHERE id = $1
            RETURNING""" + " " + Media.COLUMNS)
        .execute(Tuple.of(id, code))
        .map(MediaStore::first);
  }

  /** Removes a media nobody has seen yet (its upload was answered with the rejection). */
  public Future<Void> deleteUnused(long id) {
    return pool.preparedQuery("DELETE FROM media m WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM pins WHERE media_id = $1)")
        .execute(Tuple.of(id)).mapEmpty();
  }

  /**
   * Ends the jobs nobody holds that were attempted {@link #MAX_ATTEMPTS} times: each attempt ended without
   * writing its row (the node died: a decoder's OutOfMemoryError under -XX:+ExitOnOutOfMemoryError, a kill),
   * so claiming it again would be a crash loop across nodes and restarts. Returns their ids.
   */
  public Future<List<Long>> failExhausted() {
    return pool.preparedQuery("""
            UPDATE media SET status = 'failed', failure_code = $1, claimed_until = NULL
             WHERE status = 'processing' AND (claimed_until IS NULL OR claimed_until < now()) AND attempts >= $2
            RETURNING id""")
        .execute(Tuple.of(ImageRejectedException.UNRENDERABLE, MAX_ATTEMPTS))
        .map(rows -> {
          List<Long> ids = new ArrayList<>(rows.size());
          rows.forEach(r -> ids.add(r.getLong(0)));
          return ids;
        });
  }

  /** Jobs nobody holds, with an attempt left: left by a crash, by a full queue, or by a node that died mid-render. */
  public Future<List<Media>> abandonedJobs(int limit) {
    return pool.preparedQuery(SELECT + """
            WHERE m.status = 'processing' AND (m.claimed_until IS NULL OR m.claimed_until < now())
               AND m.attempts < $2
             ORDER BY m.id LIMIT $1""")
        .execute(Tuple.of(limit, MAX_ATTEMPTS))
        .map(rows -> {
          List<Media> jobs = new ArrayList<>(rows.size());
          rows.forEach(r -> jobs.add(Media.from(r)));
          return jobs;
        });
  }

  /**
   * Deletes up to {@code limit} media that no pin uses and that are older than {@code maxAgeHours} (and not
   * being rendered right now), and returns their SHA-256s, whose files the caller then deletes. One statement,
   * so two nodes never both take a row: each row comes back to exactly one DELETE. A pin being created at the
   * same moment holds a key-share lock on its media (its foreign key), which SKIP LOCKED passes over; a pin
   * committed between this statement's snapshot and its delete makes the foreign key refuse the delete
   * (SQLSTATE 23503, nothing is deleted). Either way the row goes first, so files are never deleted under a
   * media a pin uses.
   */
  public Future<List<String>> deleteUnreferenced(int maxAgeHours, int limit) {
    return pool.preparedQuery("""
            DELETE FROM media m
             WHERE m.id IN (SELECT c.id FROM media c
                             WHERE c.created_at < now() - make_interval(hours => $1)
                               AND NOT EXISTS (SELECT 1 FROM pins p WHERE p.media_id = c.id)
                               AND (c.status <> 'processing' OR c.claimed_until IS NULL OR c.claimed_until < now())
                             ORDER BY c.id LIMIT $2
                             FOR UPDATE SKIP LOCKED)
               AND NOT EXISTS (SELECT 1 FROM pins p WHERE p.media_id = m.id)
            RETURNING m.sha256""")
        .execute(Tuple.of(maxAgeHours, limit))
        .map(rows -> {
          List<String> shas = new ArrayList<>(rows.size());
          rows.forEach(r -> shas.add(r.getString(0)));
          return shas;
        });
  }

  /** Which of these content addresses have a media row (again: the same bytes may be uploaded anew). */
  public Future<java.util.Set<String>> existing(List<String> sha256s) {
    return pool.preparedQuery("SELECT sha256 FROM media WHERE sha256 = ANY($1)")
        .execute(Tuple.of(sha256s.toArray(String[]::new)))
        .map(rows -> {
          java.util.Set<String> found = new java.util.HashSet<>();
          rows.forEach(r -> found.add(r.getString(0)));
          return found;
        });
  }

  private static Media first(RowSet<Row> rows) {
    return rows.size() == 0 ? null : Media.from(rows.iterator().next());
  }
}
