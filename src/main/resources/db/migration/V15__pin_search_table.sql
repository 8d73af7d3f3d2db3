-- Search reads a narrow table instead of the wide pins row (SearchBenchmark at a million pins: a pins
-- row is ~490 bytes, of which the tsvector ~260; a query that checks or ranks a few thousand matches
-- reads that many rows, and reading them from pins cost 2-3x what it costs here). One row per pin that
-- is not deleted:
--   pin_id  the pin (its id also orders by time: milliseconds << 12)
--   static  the part of the score that is not the words: log10(1 + saves) + years since 2025-01-01
--   tsv     the words, as search_doc() in V10__search.sql writes them
-- Kept by triggers on pins in the same transaction as the pin's own write: a new or edited pin is
-- searchable at once, a deleted one (deleted_at set, or the row gone) is gone from here at once, a save
-- moves its score at once. Rows arrive in id order, so the table stays physically ordered by time:
-- reading the newest pins through the primary key reads the last pages in order.
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

CREATE FUNCTION search_static(id bigint, save_count integer) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT log((1 + save_count)::float8) + (id >> 12)::float8 / 31536000000.0
$$;

-- Partitioned by id, i.e. by time: a span of 2^43 ids (2^31 ms, about 25 days) per partition, each
-- with its own GIN index. A query that looks at the newest pins (pin_id > a literal) reads only the
-- newest partitions, and so decodes only their part of each word's posting list: through one GIN index
-- over a million pins, two words in 10% and 7% of them cost 13 ms to decode before a row was read.
-- A DEFAULT partition catches ids no partition covers yet (correct, only slower); partitions are added
-- ahead of time by pin_search_add_partitions(), which the application calls every few minutes.
CREATE TABLE pin_search (
  pin_id bigint PRIMARY KEY REFERENCES pins (id) ON DELETE CASCADE,
  static float8 NOT NULL,
  tsv    tsvector NOT NULL
) PARTITION BY RANGE (pin_id);
-- fillfactor 90 (on each partition): room on each page for the new version of a row whose score a save
-- moves (a HOT update, no index touched, the row stays where time put it).
CREATE TABLE pin_search_default PARTITION OF pin_search DEFAULT WITH (fillfactor = 90);

-- Partitions covering ids from_id..to_id (those missing). A span whose ids already sit in the
-- default partition cannot be carved out of it: it stays there, with a warning.
CREATE FUNCTION pin_search_add_partitions(from_id bigint, to_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  span bigint;
BEGIN
  FOR span IN SELECT generate_series(from_id >> 43, to_id >> 43) LOOP
    IF to_regclass('pin_search_' || span) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF pin_search FOR VALUES FROM (%s) TO (%s) WITH (fillfactor = 90)',
                       'pin_search_' || span, span << 43, (span + 1) << 43);
      EXCEPTION
        WHEN check_violation THEN
          RAISE WARNING 'pin_search: span % has rows in pin_search_default; not partitioned', span;
        WHEN duplicate_table THEN
          NULL; -- made meanwhile by another node
      END;
    END IF;
  END LOOP;
END
$$;
-- The id of a pin made now (as next_id() makes them, without the sequence part).
CREATE FUNCTION search_id_now() RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT (floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint - 1735689600000) << 12
$$;
SELECT pin_search_add_partitions(coalesce((SELECT min(id) FROM pins), search_id_now()), search_id_now() + (2::bigint << 43));

SET LOCAL maintenance_work_mem = '256MB';
INSERT INTO pin_search (pin_id, static, tsv)
SELECT id, search_static(id, save_count), search_tsv FROM pins
 WHERE deleted_at IS NULL AND search_tsv IS NOT NULL
 ORDER BY id;
-- fastupdate off: no pending list that every search would have to scan (a pin's write updates the
-- index itself, a few dozen entries).
CREATE INDEX pin_search_tsv_idx ON pin_search USING gin (tsv) WITH (fastupdate = off);
-- (No BRIN index on pin_id for the windows of newest pins, though the table is in id order: a bitmap
-- AND of a lossy BRIN bitmap with the GIN one, BRIN first as the planner orders them, makes every
-- page with a match lossy, and all ~30 rows of each were re-checked: 28 ms instead of ~8.)

DROP TRIGGER pins_search_fill ON pins;
DROP FUNCTION pins_search_fill();
DROP INDEX pins_search_tsv_idx;
ALTER TABLE pins DROP COLUMN search_tsv, DROP COLUMN search_names, DROP COLUMN search_static;
DROP FUNCTION search_serial(); -- the search statements now say SET LOCAL max_parallel_workers_per_gather = 0

-- A pin written: its row here written or removed, its words added to search_words.
CREATE FUNCTION pins_search_write() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  board_name text;
  shop_name text;
  names text;
BEGIN
  IF NEW.deleted_at IS NOT NULL THEN
    DELETE FROM pin_search WHERE pin_id = NEW.id;
    RETURN NULL;
  END IF;
  SELECT b.name INTO board_name FROM boards b WHERE b.id = NEW.board_id;
  SELECT m.name INTO shop_name FROM merchants m WHERE m.id = NEW.merchant_id;
  names := search_names(NEW.title, board_name, shop_name);
  INSERT INTO pin_search (pin_id, static, tsv)
  VALUES (NEW.id, search_static(NEW.id, NEW.save_count), search_doc(NEW.title, NEW.description, board_name, shop_name))
  ON CONFLICT (pin_id) DO UPDATE SET static = EXCLUDED.static, tsv = EXCLUDED.tsv;
  INSERT INTO search_words (word) SELECT search_words_of(names) ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
-- (The board and shop rename triggers of V10 still write board_id = board_id / merchant_id =
-- merchant_id on their pins, which fires this one.)
CREATE TRIGGER pins_search_write AFTER INSERT OR UPDATE OF title, description, board_id, merchant_id, deleted_at ON pins
  FOR EACH ROW EXECUTE FUNCTION pins_search_write();

CREATE FUNCTION pins_search_saves() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE pin_search SET static = search_static(NEW.id, NEW.save_count) WHERE pin_id = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER pins_search_saves AFTER UPDATE OF save_count ON pins
  FOR EACH ROW WHEN (OLD.save_count IS DISTINCT FROM NEW.save_count AND NEW.deleted_at IS NULL)
  EXECUTE FUNCTION pins_search_saves();

-- Typo correction by edit distance (fuzzystrmatch's levenshtein) among the dictionary's words with the
-- same first letter and a length within 2: trigram similarity alone misses swapped letters in short
-- words ('gnmoe' and 'gnome' share 2 of 10 trigrams).
CREATE INDEX search_words_first_len_idx ON search_words (left(word, 1), char_length(word));
