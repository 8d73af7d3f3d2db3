package io.pinstream.live;

import io.pinstream.config.Config;
import io.pinstream.infra.RedisKeys;
import io.pinstream.infra.RedisScripts;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The live stream's own history, in Redis, as Centrifugo keeps it: each topic (a board's, a user's,
 * and every pin's, which home subscriptions replay from) has a stream of what was published on it,
 * numbered by an offset that grows by one per event, and an epoch that names this history. A client
 * that reconnects with the epoch and offset it last saw gets exactly what followed, in delivery
 * order, deletions included; if the epoch changed (Redis lost the history: restarted empty, flushed,
 * the topic silent past its meta TTL) or the history no longer reaches back that far, it is told so
 * and reloads the topic instead.
 *
 * <p>One script numbers an event in its three histories, appends it and PUBLISHes it with its
 * positions, atomically: the order in which nodes receive events is the order of their offsets, so a
 * client's last offset means everything before it was delivered or is in the history. All keys carry
 * the {@code {live}} hash tag, so the script stays within one slot on a Redis Cluster.
 */
final class TopicHistory {
  /** A history (stream and meta) outlives its last event by this long at least. */
  private static final long META_TTL_SECONDS = 30L * 24 * 3600;
  /** Every pin's history (home's) holds this many times what one topic's does. */
  static final int ALL_FACTOR = 10;

  private static final String PUBLISH = """
      local positions = {}
      for i = 0, 2 do
        local meta, stream = KEYS[2 * i + 1], KEYS[2 * i + 2]
        local epoch = redis.call('HGET', meta, 'epoch')
        if not epoch then
          epoch = ARGV[11]
          redis.call('DEL', stream)
          redis.call('HSET', meta, 'epoch', epoch, 'top', 0)
        end
        local top = redis.call('HINCRBY', meta, 'top', 1)
        local size = ARGV[7]
        if i == 2 then size = ARGV[8] end
        redis.call('XADD', stream, 'MAXLEN', '~', size, top .. '-0', 'p', ARGV[3], 'o', ARGV[4], 'b', ARGV[5], 'd', ARGV[6])
        redis.call('EXPIRE', stream, ARGV[9])
        redis.call('EXPIRE', meta, ARGV[10])
        positions[#positions + 1] = epoch .. ' ' .. top
      end
      redis.call('PUBLISH', ARGV[1], ARGV[2] .. table.concat(positions, ' ') .. '\\n' .. ARGV[12])
      return 1
      """;

  /**
   * The topic's epoch and top offset (a history begins here if there is none), and when ARGV[3] is
   * an offset, the entries after it up to the top, at most ARGV[4] of them; when more than ARGV[5]
   * follow it, none (too many to replay).
   */
  private static final String READ = """
      local epoch = redis.call('HGET', KEYS[1], 'epoch')
      if not epoch then
        epoch = ARGV[1]
        redis.call('DEL', KEYS[2])
        redis.call('HSET', KEYS[1], 'epoch', epoch, 'top', 0)
        redis.call('EXPIRE', KEYS[1], ARGV[2])
      end
      local top = tonumber(redis.call('HGET', KEYS[1], 'top'))
      if ARGV[3] == '' then
        return {epoch, top}
      end
      local after = tonumber(ARGV[3])
      if after >= top then
        return {epoch, top, {}}
      end
      if top - after > tonumber(ARGV[5]) then
        return {epoch, top, {}, 1}
      end
      return {epoch, top, redis.call('XRANGE', KEYS[2], (after + 1) .. '-0', top .. '-0', 'COUNT', ARGV[4])}
      """;

  private final RedisScripts scripts;
  private final RedisKeys keys;
  private final RedisScripts.Script publish;
  private final RedisScripts.Script read;
  private final int size;
  private final long ttlSeconds;

  TopicHistory(RedisScripts scripts, RedisKeys keys, Config.Live config) {
    this.scripts = scripts;
    this.keys = keys;
    this.publish = scripts.define(PUBLISH);
    this.read = scripts.define(READ);
    this.size = config.historySize();
    this.ttlSeconds = config.historyTtlSeconds();
  }

  /** One event as a history holds it: enough to route it (home) and to send it again. */
  record Entry(long offset, long pinId, long ownerId, long boardId, boolean deleted) {
  }

  /**
   * What a topic's history says: its epoch and top offset, and (when asked from an offset) the
   * entries after it, or {@code tooMany} when more followed than may be replayed.
   */
  record Read(String epoch, long top, List<Entry> entries, boolean tooMany) {
    LiveEvent.Position position() {
      return new LiveEvent.Position(epoch, top);
    }
  }

  /** Appends the event to its board's, its owner's and every pin's history, and publishes it with its positions. */
  Future<Void> publish(String channel, String typeName, LiveEvent event) {
    List<String> k = List.of(meta(Topic.Kind.BOARD, event.boardId()), stream(Topic.Kind.BOARD, event.boardId()),
        meta(Topic.Kind.USER, event.ownerId()), stream(Topic.Kind.USER, event.ownerId()),
        meta(Topic.Kind.HOME, 0), stream(Topic.Kind.HOME, 0));
    return scripts.send(publish.call(k, channel, typeName + ' ', Long.toString(event.pinId()),
        Long.toString(event.ownerId()), Long.toString(event.boardId()), event.deleted() ? "1" : "0",
        Integer.toString(size), Integer.toString(size * ALL_FACTOR), Long.toString(ttlSeconds),
        Long.toString(Math.max(META_TTL_SECONDS, ttlSeconds)), newEpoch(), event.encodeBody())).mapEmpty();
  }

  /** The topic's current epoch and top offset. {@code id}: the board's or user's id (0 for home). */
  Future<Read> position(Topic.Kind kind, long id) {
    return scripts.send(read.call(List.of(meta(kind, id), stream(kind, id)), newEpoch(), Long.toString(metaTtl()), ""))
        .map(TopicHistory::parse);
  }

  /**
   * The topic's epoch and top, and its entries after {@code offset} (at most {@code page}); none and
   * {@code tooMany} when more than {@code max} events followed it.
   */
  Future<Read> after(Topic.Kind kind, long id, long offset, int page, int max) {
    return scripts.send(read.call(List.of(meta(kind, id), stream(kind, id)), newEpoch(), Long.toString(metaTtl()),
        Long.toString(offset), Integer.toString(page), Integer.toString(max))).map(TopicHistory::parse);
  }

  /** The next page of entries: after {@code offset}, up to {@code top}. */
  Future<List<Entry>> range(Topic.Kind kind, long id, long offset, long top, int page) {
    return scripts.send(Request.cmd(Command.XRANGE).arg(stream(kind, id)).arg((offset + 1) + "-0").arg(top + "-0")
        .arg("COUNT").arg(page)).map(TopicHistory::entries);
  }

  private static Read parse(Response r) {
    String epoch = r.get(0).toString();
    long top = r.get(1).toLong();
    if (r.size() < 3) {
      return new Read(epoch, top, List.of(), false);
    }
    return new Read(epoch, top, entries(r.get(2)), r.size() > 3);
  }

  private static List<Entry> entries(Response stream) {
    List<Entry> entries = new ArrayList<>(stream.size());
    for (Response e : stream) {
      String id = e.get(0).toString();
      long pin = 0;
      long owner = 0;
      long board = 0;
      boolean deleted = false;
      Response fields = e.get(1);
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        String value = fields.get(i + 1).toString();
        switch (fields.get(i).toString()) {
          case "p" -> pin = Long.parseLong(value);
          case "o" -> owner = Long.parseLong(value);
          case "b" -> board = Long.parseLong(value);
          case "d" -> deleted = "1".equals(value);
          default -> { }
        }
      }
      entries.add(new Entry(Long.parseLong(id.substring(0, id.indexOf('-'))), pin, owner, board, deleted));
    }
    return entries;
  }

  private long metaTtl() {
    return Math.max(META_TTL_SECONDS, ttlSeconds);
  }

  private String meta(Topic.Kind kind, long id) {
    return kind == Topic.Kind.HOME ? keys.key("{live}", "meta", "all") : keys.key("{live}", "meta", kind.name().toLowerCase(), id);
  }

  private String stream(Topic.Kind kind, long id) {
    return kind == Topic.Kind.HOME ? keys.key("{live}", "history", "all") : keys.key("{live}", "history", kind.name().toLowerCase(), id);
  }

  /** A fresh epoch, used only if the history has none (it begins now). */
  private static String newEpoch() {
    return Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50), 36);
  }
}
