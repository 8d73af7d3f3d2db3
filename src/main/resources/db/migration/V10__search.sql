-- Search over pins: title, description, the board's name and the product's shop name.
--
-- Each pin carries two search columns, written by a trigger (not generated columns: the board's and
-- the shop's names live in other tables, which a generated column cannot read; and a stored generated
-- column is recomputed by every UPDATE of the row, i.e. by every click and save counter bump, where
-- this trigger runs only when a searched field changes):
--   search_tsv    full-text: English words (stemmed, weighted title A, board/shop B, description C)
--                 plus, for Chinese/Japanese/Korean text, which has no spaces between words, every
--                 character and every pair of adjacent characters as tokens (what Lucene's CJK bigram
--                 analyzer does), so a query for a word inside a Chinese title finds it;
--   search_names  title, board name and shop name, lower-cased, for typo-tolerant matching with
--                 pg_trgm's word similarity (and for the exact substring check of a CJK query).
-- Renaming a board or a shop rewrites its pins' columns (triggers below), in the same transaction.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Runs of CJK ideographs, kana and hangul, as space-separated tokens in reading order: each character,
-- then the pair it starts ("复古裙" -> "复 复古 古 古裙 裙"), so the pairs of a run sit two positions apart
-- and a query "复古裙" is the phrase '复古' <2> '古裙'.
CREATE FUNCTION search_cjk_grams(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(substr(r.m[1], i, n), ' ' ORDER BY r.o, i, n), '')
    FROM regexp_matches(coalesce(t, ''), '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+', 'g')
           WITH ORDINALITY AS r(m, o),
         generate_series(1, char_length(r.m[1])) AS i,
         (VALUES (1), (2)) AS k(n)
   WHERE i + n - 1 <= char_length(r.m[1])
$$;

CREATE FUNCTION search_doc(title text, description text, board_name text, shop_name text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('english', coalesce(title, '')), 'A')
      || setweight(to_tsvector('simple', search_cjk_grams(title)), 'A')
      || setweight(to_tsvector('english', coalesce(board_name, '') || ' ' || coalesce(shop_name, '')), 'B')
      || setweight(to_tsvector('simple', search_cjk_grams(coalesce(board_name, '') || ' ' || coalesce(shop_name, ''))), 'B')
      || setweight(to_tsvector('english', coalesce(description, '')), 'C')
      || setweight(to_tsvector('simple', search_cjk_grams(description)), 'C')
$$;

CREATE FUNCTION search_names(title text, board_name text, shop_name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT lower(concat_ws(' ', title, board_name, shop_name))
$$;

ALTER TABLE pins ADD COLUMN search_tsv tsvector, ADD COLUMN search_names text;

CREATE FUNCTION pins_search_fill() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  board_name text;
  shop_name text;
BEGIN
  SELECT b.name INTO board_name FROM boards b WHERE b.id = NEW.board_id;
  SELECT m.name INTO shop_name FROM merchants m WHERE m.id = NEW.merchant_id;
  NEW.search_tsv := search_doc(NEW.title, NEW.description, board_name, shop_name);
  NEW.search_names := search_names(NEW.title, board_name, shop_name);
  RETURN NEW;
END
$$;
CREATE TRIGGER pins_search_fill BEFORE INSERT OR UPDATE OF title, description, board_id, merchant_id ON pins
  FOR EACH ROW EXECUTE FUNCTION pins_search_fill();

CREATE FUNCTION boards_search_rename() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE pins SET board_id = board_id WHERE board_id = NEW.id; -- fires pins_search_fill for each
  RETURN NULL;
END
$$;
CREATE TRIGGER boards_search_rename AFTER UPDATE OF name ON boards
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION boards_search_rename();

CREATE FUNCTION merchants_search_rename() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE pins SET merchant_id = merchant_id WHERE merchant_id = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER merchants_search_rename AFTER UPDATE OF name ON merchants
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION merchants_search_rename();

UPDATE pins SET title = title;

-- The part of a pin's search score that does not depend on the words: log10(1 + saves) plus its age
-- in years since 2025-01-01, read from its id (milliseconds << 12), which unlike created_at is
-- immutable arithmetic. A query matching a large share of all pins ranks only the best 1,000 of its
-- matches by this (read from the index below in order, stopping early) instead of all of them.
ALTER TABLE pins ADD COLUMN search_static float8
  GENERATED ALWAYS AS (log((1 + save_count)::float8) + (id >> 12)::float8 / 31536000000.0) STORED;

-- Deleted pins are never searched, so they are not in the indexes either.
CREATE INDEX pins_search_tsv_idx ON pins USING gin (search_tsv) WHERE deleted_at IS NULL;
CREATE INDEX pins_search_names_trgm_idx ON pins USING gin (search_names gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX pins_search_static_idx ON pins (search_static DESC, id DESC) WHERE deleted_at IS NULL;
