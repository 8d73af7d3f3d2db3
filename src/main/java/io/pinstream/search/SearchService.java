package io.pinstream.search;

import io.pinstream.common.Bookmarks;
import io.pinstream.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Search results, paged through a snapshot of the ranking, as trending is: saves move scores while
 * someone scrolls, and keyset paging on a moving score would repeat or skip pins. The first page ranks
 * the best {@link #MAX_RESULTS} pins; when there is more than one page, their ids are kept in Redis for
 * {@link #SNAPSHOT_SECONDS} (8 bytes each, one string), and later pages are slices of it: no repeat, no
 * gap, and a later page costs one GETRANGE and one primary-key read. Snapshots are shared by everyone
 * who searches the same words within the same {@link #BUCKET_SECONDS} (so Redis holds at most one per
 * distinct query per bucket, and popular searches are ranked once per bucket), which is also how old a
 * first page may be: a new pin is found within {@link #BUCKET_SECONDS}. Deleted pins drop out of every
 * page at once: a page's pins are read from PostgreSQL, never from a cache.
 *
 * <p>Redis is a cache here too: without it (or after the snapshot expired) a page is ranked again and
 * sliced at the bookmark's offset.
 */
public final class SearchService {
  static final int MAX_RESULTS = 500;
  static final int BUCKET_SECONDS = 10;
  static final int SNAPSHOT_SECONDS = 900;
  private final SearchStore store;
  private final Redis redis;
  private final RedisKeys keys;

  public SearchService(io.vertx.sqlclient.Pool pool, io.pinstream.pins.PinEncoder encoder, Redis redis, RedisKeys keys) {
    this.store = new SearchStore(pool, encoder);
    this.redis = redis;
    this.keys = keys;
  }

  /** A page of pins (their API JSON) and the next page's bookmark, null on the last page. */
  public record Page(List<byte[]> items, String bookmark) {
    private static final byte[] START = "{\"items\":[".getBytes(StandardCharsets.US_ASCII);

    /** {@code {"items": [...], "bookmark": ...}}, the feeds' shape, from the encoded pins. */
    public Buffer toJson() {
      Buffer out = Buffer.buffer(START.length + 32 + items.stream().mapToInt(i -> i.length + 1).sum()).appendBytes(START);
      for (int i = 0; i < items.size(); i++) {
        if (i > 0) {
          out.appendByte((byte) ',');
        }
        out.appendBytes(items.get(i));
      }
      // Bookmarks are base64url: nothing in them needs escaping.
      return out.appendString("],\"bookmark\":" + (bookmark == null ? "null" : "\"" + bookmark + "\"") + "}");
    }
  }

  /** A page of the search for {@code query}; {@code cursor} is null or "bucket:offset" from the last page. */
  Future<Page> search(SearchQuery query, String cursor, int pageSize) {
    long bucket;
    int offset;
    if (cursor == null) {
      bucket = System.currentTimeMillis() / (BUCKET_SECONDS * 1000L);
      offset = 0;
    } else {
      int colon = cursor.indexOf(':');
      try {
        bucket = Long.parseLong(cursor.substring(0, Math.max(colon, 0)));
        offset = Integer.parseInt(cursor.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw Bookmarks.invalid();
      }
      if (bucket < 0 || offset <= 0 || offset >= MAX_RESULTS) {
        throw Bookmarks.invalid();
      }
    }
    String key = snapshotKey(query, bucket);
    int end = Math.min(offset + pageSize + 1, MAX_RESULTS); // one more tells whether another page follows
    return slice(key, offset, end)
        .compose(cached -> cached != null ? Future.succeededFuture(cached) : rankAndKeep(query, key, pageSize)
            .map(all -> all.subList(Math.min(offset, all.size()), Math.min(end, all.size()))))
        .compose(ids -> {
          boolean more = ids.size() > pageSize;
          List<Long> pageIds = more ? ids.subList(0, pageSize) : ids;
          String next = more ? Bookmarks.encode(bucket + ":" + (offset + pageSize)) : null;
          return store.pins(pageIds).map(items -> new Page(items, next));
        });
  }

  /** Pins for a search box being typed in: the last word may be unfinished ("summer dre"). One page, no snapshot. */
  Future<Page> suggest(SearchQuery query, int limit) {
    return store.rank(query, true, limit).compose(ids -> store.pins(ids)).map(items -> new Page(items, null));
  }

  /**
   * The ranking statements for a tsquery expression, by what each does, as a search runs them (SET LOCALs
   * then a SELECT), given the windows' floors ({@link #windowFloorsSql()}): for EXPLAIN (SearchBenchmark).
   */
  public static java.util.Map<String, String> rankingSql(String tsqueryExpression, long[] floors) {
    return SearchStore.rankSql(tsqueryExpression, floors);
  }

  /** One row: the lowest id of each window of newest pins that a search reads. */
  public static String windowFloorsSql() {
    return SearchStore.floorsSql();
  }

  /** The snapshot's ids in [from, to), or null when there is no snapshot (expired, never kept, Redis away). */
  private Future<List<Long>> slice(String key, int from, int to) {
    return redis.send(Request.cmd(Command.GETRANGE).arg(key).arg(from * 8L).arg(to * 8L - 1))
        .map(reply -> {
          byte[] bytes = reply == null ? new byte[0] : reply.toBytes();
          if (bytes.length == 0) {
            return (List<Long>) null;
          }
          Buffer buffer = Buffer.buffer(bytes);
          List<Long> ids = new ArrayList<>(bytes.length / 8);
          for (int i = 0; i + 8 <= bytes.length; i += 8) {
            ids.add(buffer.getLong(i));
          }
          return ids;
        })
        .otherwise(e -> null);
  }

  /** Ranks the query; keeps the ranking when it is more than one page (first writer in a bucket wins). */
  private Future<List<Long>> rankAndKeep(SearchQuery query, String key, int pageSize) {
    return store.rank(query, false, MAX_RESULTS).compose(ids -> {
      if (ids.size() <= pageSize) {
        return Future.succeededFuture(ids);
      }
      Buffer packed = Buffer.buffer(ids.size() * 8);
      ids.forEach(packed::appendLong);
      return redis.send(Request.cmd(Command.SET).arg(key).arg(packed).arg("EX").arg(SNAPSHOT_SECONDS).arg("NX"))
          .<List<Long>>map(ids)
          .otherwise(ids);
    });
  }

  private String snapshotKey(SearchQuery query, long bucket) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(query.text().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.UTF_8));
      return keys.key("search", bucket, HexFormat.of().formatHex(digest, 0, 16));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
