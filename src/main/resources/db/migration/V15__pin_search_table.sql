-- Search reads a narrow table instead of the wide pins row (SearchBenchmark at a million pins: a pins
-- row is ~490 bytes, of which the tsvector ~260; a query that checks or ranks a few thousand matches
-- reads that many rows, and reading them from pins cost 2-3x what it costs here). One row per pin that
-- is not deleted:
--   pin_id  the pin (its id also orders by time: milliseconds << 12)
--   static  the part of the score that is not the words: log10(1 + saves) + years since 2025-01-01
--   tsv     the words, as search_doc() in V10__search.sql writes them
-- Kept by triggers on pins in the same transaction as the pin's own write: a new or edited pin is
-- searchable at once, a deleted one (deleted_at set, or the row gone) is gone from here at once, a save
-- moves its score at once. Rows arrive in id order, so the table stays physically ordered by time,
-- which is what the BRIN index on pin_id uses (the newest N pins are the last pages).
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

CREATE FUNCTION search_static(id bigint, save_count integer) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT log((1 + save_count)::float8) + (id >> 12)::float8 / 31536000000.0
$$;

-- fillfactor 90: room on each page for the new version of a row whose score a save moves (a HOT
-- update, no index touched, the row stays where time put it).
CREATE TABLE pin_search (
  pin_id bigint PRIMARY KEY REFERENCES pins (id) ON DELETE CASCADE,
  static float8 NOT NULL,
  tsv    tsvector NOT NULL
) WITH (fillfactor = 90);

SET LOCAL maintenance_work_mem = '256MB';
INSERT INTO pin_search (pin_id, static, tsv)
SELECT id, search_static(id, save_count), search_tsv FROM pins
 WHERE deleted_at IS NULL AND search_tsv IS NOT NULL
 ORDER BY id;
-- fastupdate off: no pending list that every search would have to scan (a pin's write updates the
-- index itself, a few dozen entries).
CREATE INDEX pin_search_tsv_idx ON pin_search USING gin (tsv) WITH (fastupdate = off);
-- The newest N pins as a range of pages, for a bitmap scan to intersect with the words' matches: a
-- few hundred BRIN tuples read instead of N primary-key entries (0.6 ms instead of 7 ms for 100,000).
CREATE INDEX pin_search_time_idx ON pin_search USING brin (pin_id) WITH (pages_per_range = 32, autosummarize = on);

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
