-- Idempotency-Key: the first answer to a creating POST, kept 24 hours, so a client that retries (after
-- a timeout, a dropped connection or a 503) gets that answer instead of a second object. `scope` is
-- the SHA-256 of the caller's credentials (or of its address when anonymous), so one client's keys
-- never answer another's. `status` is null while the first request is still running.
CREATE TABLE idempotency_keys (
  scope         bytea NOT NULL,
  key           text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
  request_hash  bytea NOT NULL,
  status        integer,
  location      text,
  body          bytea,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
