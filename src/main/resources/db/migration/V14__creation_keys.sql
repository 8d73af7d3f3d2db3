-- A creating request that holds an Idempotency-Key stores a hash of it (with its caller and body) on
-- the row it makes. A first attempt can commit after its answer was lost (a deadline passed, a
-- connection dropped); its retry then finds that row instead of making a second one.
ALTER TABLE pins ADD COLUMN creation_key bytea;
CREATE UNIQUE INDEX pins_creation_key ON pins (creation_key) WHERE creation_key IS NOT NULL;
ALTER TABLE boards ADD COLUMN creation_key bytea;
CREATE UNIQUE INDEX boards_creation_key ON boards (creation_key) WHERE creation_key IS NOT NULL;
