package io.pinstream.feed;

import io.pinstream.infra.RedisKeys;
import io.pinstream.infra.RedisScripts;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * Hot feeds: Redis sorted sets of pin ids, scored by the id itself (ids are below 2^53, so scores
 * are exact and a score is a cursor). Each feed holds a sentinel member {@code _floor} whose score
 * says down to where the set is exact: every pin of the feed with an id above the floor is in the
 * set; below it, PostgreSQL has the rest. A set without the sentinel is not built (Redis lost it,
 * or nobody read it yet) and is ignored: fan-out skips it and reads go to PostgreSQL until it is
 * rebuilt. While a rebuild runs, {@code _building} marks the set: fan-out already lands in it,
 * reads still skip it, so no pin that commits during the rebuild can be missed.
 */
public final class FeedStore {
  /**
   * ARGV: cap, min floor, then score/member pairs. Adds members above the floor; trims to cap,
   * raising the floor. The min floor says the added members are complete only down to there (a
   * followed user's newest pins, say): the set can then be exact only down to there too.
   */
  private static final String ADD = """
      local floor = redis.call('ZSCORE', KEYS[1], '_floor')
      if not floor then return 0 end
      floor = tonumber(floor)
      local minFloor = tonumber(ARGV[2])
      if minFloor > floor then
        redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, minFloor)
        floor = minFloor
        redis.call('ZADD', KEYS[1], floor, '_floor')
      end
      for i = 3, #ARGV, 2 do
        if tonumber(ARGV[i]) > floor then redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
      end
      if redis.call('ZSCORE', KEYS[1], '_building') then return 1 end
      local cap = tonumber(ARGV[1])
      local n = redis.call('ZCARD', KEYS[1]) - 1
      if n > cap then
        local cut = redis.call('ZRANGE', KEYS[1], n - cap, n - cap, 'WITHSCORES')
        redis.call('ZREMRANGEBYRANK', KEYS[1], 1, n - cap)
        redis.call('ZADD', KEYS[1], cut[2], '_floor')
      end
      return 1
      """;

  /**
   * Fan-out: one pin into many feeds in one call (KEYS: the feeds; ARGV: cap, slack, pin id). Two
   * calls per feed: ZREVRANK of the floor says both whether the feed is built and how many pins it
   * holds, then ZADD. A full feed is trimmed back to cap only once it is {@code slack} over it (a
   * feed at its cap would otherwise pay more calls on every pin), by score, so a pin that arrives
   * late, below the floor (a delivery resumed after a crash), is harmless: reads never look below
   * the floor, and the trim removes it. One call per thousand feeds instead of one per feed keeps
   * the cost per feed close to a bare ZADD. (On Redis Cluster the keys of one call would have to
   * share a hash slot: group them by slot there.)
   */
  private static final String ADD_TO_MANY = """
      local cap = tonumber(ARGV[1])
      local full = cap + tonumber(ARGV[2])
      local id = ARGV[3]
      for k = 1, #KEYS do
        local key = KEYS[k]
        local above = redis.call('ZREVRANK', key, '_floor')
        if above then
          redis.call('ZADD', key, id, id) -- the score as the string it came as: no number formatting per call
          if above >= full and not redis.call('ZSCORE', key, '_building') then
            local cut = redis.call('ZREVRANGE', key, cap, cap, 'WITHSCORES')
            redis.call('ZREMRANGEBYSCORE', key, '-inf', cut[2])
            redis.call('ZADD', key, cut[2], '_floor')
          end
        end
      end
      return 1
      """;

  /** KEYS: feeds; ARGV: members to remove from each. Harmless on unbuilt sets. */
  private static final String REMOVE = """
      for k = 1, #KEYS do redis.call('ZREM', KEYS[k], unpack(ARGV)) end
      return 1
      """;

  /** Lua: a feed's ids below max (exclusive, "(id" or "+inf"), newest first, as {floor, ids...}; false when not built. */
  private static final String WINDOW = """
      local function window(key, max, limit)
        local floor = redis.call('ZSCORE', key, '_floor')
        if not floor or redis.call('ZSCORE', key, '_building') then return false end
        local items = redis.call('ZRANGE', key, max, '(' .. floor, 'BYSCORE', 'REV', 'LIMIT', 0, tonumber(limit))
        table.insert(items, 1, floor)
        return items
      end
      """;

  /** KEYS: the feed; ARGV: exclusive max, limit. */
  private static final String READ = WINDOW + "return window(KEYS[1], ARGV[1], ARGV[2])";

  /**
   * A home read in one call. KEYS: the celebrity version, the user's cached celebrity list, the
   * home feed; ARGV: exclusive max, limit. Returns {version, list or nil, window or nil}.
   */
  private static final String READ_HOME = WINDOW + """
      return {redis.call('GET', KEYS[1]) or '0', redis.call('GET', KEYS[2]), window(KEYS[3], ARGV[1], ARGV[2])}
      """;

  /** Marks a rebuild as started: from now on fan-out lands in the set (floor 0 until the rebuild sets it). */
  private static final String BEGIN_BUILD = """
      if not redis.call('ZSCORE', KEYS[1], '_floor') then redis.call('ZADD', KEYS[1], 0, '_floor') end
      redis.call('ZADD', KEYS[1], -1, '_building')
      return 1
      """;

  /**
   * ARGV: cap, floor, then the ids PostgreSQL gave (newest first, at most cap). Merges them with
   * what fan-out added meanwhile, sets the floor, trims to cap, and clears the building mark.
   */
  private static final String FINISH_BUILD = """
      local cap = tonumber(ARGV[1])
      local floor = tonumber(ARGV[2])
      for i = 3, #ARGV do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i]) end
      redis.call('ZREM', KEYS[1], '_building', '_floor')
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', floor)
      local n = redis.call('ZCARD', KEYS[1])
      if n > cap then
        local cut = redis.call('ZRANGE', KEYS[1], n - cap - 1, n - cap - 1, 'WITHSCORES')
        redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - cap - 1)
        floor = math.max(floor, tonumber(cut[2]))
      end
      redis.call('ZADD', KEYS[1], floor, '_floor')
      return 1
      """;

  private final Redis redis;
  private final RedisKeys keys;
  private final RedisScripts scripts;
  private final RedisScripts.Script add;
  private final RedisScripts.Script addToMany;
  private final RedisScripts.Script remove;
  private final RedisScripts.Script read;
  private final RedisScripts.Script readHome;
  private final RedisScripts.Script beginBuild;
  private final RedisScripts.Script finishBuild;

  public FeedStore(Redis redis, RedisKeys keys, RedisScripts scripts) {
    this.redis = redis;
    this.keys = keys;
    this.scripts = scripts;
    this.add = scripts.define(ADD);
    this.addToMany = scripts.define(ADD_TO_MANY);
    this.remove = scripts.define(REMOVE);
    this.read = scripts.define(READ);
    this.readHome = scripts.define(READ_HOME);
    this.beginBuild = scripts.define(BEGIN_BUILD);
    this.finishBuild = scripts.define(FINISH_BUILD);
  }

  public String home(long userId) {
    return keys.key("feed", "home", userId);
  }

  public String board(long boardId) {
    return keys.key("feed", "board", boardId);
  }

  public String user(long userId) {
    return keys.key("feed", "user", userId);
  }

  /** What one feed holds below a cursor: null when the feed is not built. */
  public record Window(long floor, List<Long> ids) {
  }

  /**
   * Adds a pin to many feeds in one call (built feeds only). A feed more than a sixteenth over cap
   * is trimmed back to cap, so feeds hold at most cap + cap/16 pins.
   */
  public Future<Void> add(List<String> feeds, long pinId, int cap) {
    return batch(List.of(addToMany.call(feeds, Integer.toString(cap), Integer.toString(cap / 16),
        Long.toString(pinId)))).mapEmpty();
  }

  /**
   * Adds a followed user's or board's newest pins (newest first, as PostgreSQL gave them with
   * {@code LIMIT cap}) to one feed. When there were cap of them, older ones exist that were not
   * added, so the feed stays exact only down to the oldest one added.
   */
  public Future<Void> addAll(String feed, List<Long> pinIds, int cap) {
    if (pinIds.isEmpty()) {
      return Future.succeededFuture();
    }
    long minFloor = pinIds.size() < cap ? 0 : pinIds.get(pinIds.size() - 1) - 1;
    List<String> args = new ArrayList<>();
    args.add(Integer.toString(cap));
    args.add(Long.toString(minFloor));
    for (long id : pinIds) {
      args.add(Long.toString(id));
      args.add(Long.toString(id));
    }
    return batch(List.of(add.call(feed, args.toArray(String[]::new)))).mapEmpty();
  }

  public Future<Void> remove(List<String> feeds, List<Long> pinIds) {
    if (feeds.isEmpty() || pinIds.isEmpty()) {
      return Future.succeededFuture();
    }
    String[] members = pinIds.stream().map(String::valueOf).toArray(String[]::new);
    return batch(List.of(remove.call(feeds, members))).mapEmpty();
  }

  /** Reads up to {@code limit} ids below {@code before} (null: from the newest) from each feed, in one round trip. */
  public Future<List<Window>> read(List<String> feeds, Long before, int limit) {
    String max = before == null ? "+inf" : "(" + before;
    List<Request> requests = new ArrayList<>(feeds.size());
    for (String feed : feeds) {
      requests.add(read.call(feed, max, Integer.toString(limit)));
    }
    return batch(requests).map(replies -> {
      List<Window> windows = new ArrayList<>(replies.size());
      replies.forEach(reply -> windows.add(window(reply)));
      return windows;
    });
  }

  /** A READ script's reply: null when the feed is not built. */
  private static Window window(Response reply) {
    if (reply == null) {
      return null;
    }
    List<Long> ids = new ArrayList<>(reply.size() - 1);
    for (int i = 1; i < reply.size(); i++) {
      ids.add(reply.get(i).toLong());
    }
    return new Window((long) Double.parseDouble(reply.get(0).toString()), ids);
  }

  public Future<Void> beginBuild(String feed) {
    return batch(List.of(beginBuild.call(feed))).mapEmpty();
  }

  /** @param ids the newest pins of the feed from PostgreSQL, newest first, at most {@code cap} */
  public Future<Void> finishBuild(String feed, List<Long> ids, int cap) {
    // Fewer than cap means PostgreSQL has nothing older: exact all the way down.
    long floor = ids.size() < cap ? 0 : ids.get(ids.size() - 1) - 1;
    List<String> args = new ArrayList<>(ids.size() + 2);
    args.add(Integer.toString(cap));
    args.add(Long.toString(floor));
    ids.forEach(id -> args.add(Long.toString(id)));
    return batch(List.of(finishBuild.call(feed, args.toArray(String[]::new)))).mapEmpty();
  }

  private String celebritiesKey(long userId) {
    return keys.key("celebrities", userId);
  }

  private String celebritiesVersionKey() {
    return keys.key("celebrities", "version");
  }

  /**
   * A home feed's first read, in one call: the user's cached list of followed celebrities
   * (null when absent or older than the last promotion of any account to celebrity) and the hot
   * home feed's window.
   */
  public record HomeRead(FeedQueries.Celebrities celebrities, String version, Window home) {
  }

  public Future<HomeRead> readHome(long userId, Long before, int limit) {
    String max = before == null ? "+inf" : "(" + before;
    Request read = readHome.call(List.of(celebritiesVersionKey(), celebritiesKey(userId), home(userId)),
        max, Integer.toString(limit));
    return batch(List.of(read)).map(replies -> {
      Response reply = replies.get(0);
      String version = reply.get(0).toString();
      FeedQueries.Celebrities celebrities = null;
      if (reply.get(1) != null) {
        String[] parts = reply.get(1).toString().split("[#|]", -1);
        if (parts.length == 3 && parts[0].equals(version)) {
          celebrities = new FeedQueries.Celebrities(ids(parts[1]), ids(parts[2]));
        }
      }
      return new HomeRead(celebrities, version, window(reply.get(2)));
    });
  }

  public Future<Void> cacheCelebrities(long userId, String version, FeedQueries.Celebrities celebrities, int seconds) {
    String value = version + "#" + join(celebrities.users()) + "|" + join(celebrities.boards());
    return redis.send(Request.cmd(Command.SET).arg(celebritiesKey(userId)).arg(value).arg("EX").arg(seconds)).mapEmpty();
  }

  public Future<Void> forgetCelebrities(long userId) {
    return redis.send(Request.cmd(Command.DEL).arg(celebritiesKey(userId))).mapEmpty();
  }

  /** Some account became a celebrity: every cached list of followed celebrities is out of date. */
  public Future<Void> celebritiesChanged() {
    return redis.send(Request.cmd(Command.INCR).arg(celebritiesVersionKey())).mapEmpty();
  }

  private static List<Long> ids(String csv) {
    List<Long> out = new ArrayList<>();
    for (String id : csv.split(",")) {
      if (!id.isEmpty()) {
        out.add(Long.parseLong(id));
      }
    }
    return out;
  }

  private static String join(List<Long> ids) {
    return String.join(",", ids.stream().map(String::valueOf).toList());
  }

  /** A short Redis lock, so a lost feed is rebuilt by one request, not by every concurrent one. */
  public Future<Boolean> tryLock(String name, int seconds) {
    return redis.send(Request.cmd(Command.SET).arg(keys.key("lock", name)).arg("1").arg("NX").arg("EX").arg(seconds))
        .map(reply -> reply != null);
  }

  public Future<Void> unlock(String name) {
    return redis.send(Request.cmd(Command.DEL).arg(keys.key("lock", name))).mapEmpty();
  }

  private Future<List<Response>> batch(List<Request> requests) {
    return scripts.batch(requests);
  }
}
