-- Ids: milliseconds since 2025-01-01 UTC shifted left 12 bits, plus a 12-bit sequence.
-- Time-sortable (newer rows have larger ids) and below 2^53, so they are exact as JavaScript numbers
-- and as Redis sorted-set scores (doubles) until about 2094.
CREATE SEQUENCE id_seq;

CREATE FUNCTION next_id() RETURNS bigint
LANGUAGE sql VOLATILE AS $$
  SELECT ((floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint - 1735689600000) << 12)
         | (nextval('id_seq') % 4096)
$$;

CREATE TABLE users (
  id              bigint PRIMARY KEY DEFAULT next_id(),
  username        text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_]{3,30}$'),
  display_name    text NOT NULL,
  password_hash   text NOT NULL,
  follower_count  integer NOT NULL DEFAULT 0 CHECK (follower_count >= 0),
  following_count integer NOT NULL DEFAULT 0 CHECK (following_count >= 0),
  pin_count       integer NOT NULL DEFAULT 0 CHECK (pin_count >= 0),
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- Only a SHA-256 of each session token is stored: a leaked table does not leak usable tokens.
CREATE TABLE sessions (
  token_hash  bytea PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE follows (
  id           bigint NOT NULL UNIQUE DEFAULT next_id(),
  follower_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  followee_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (follower_id, followee_id),
  CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followee_idx ON follows (followee_id, id DESC);
CREATE INDEX follows_follower_idx ON follows (follower_id, id DESC);

CREATE TABLE boards (
  id              bigint PRIMARY KEY DEFAULT next_id(),
  owner_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name            text NOT NULL,
  description     text NOT NULL DEFAULT '',
  pin_count       integer NOT NULL DEFAULT 0 CHECK (pin_count >= 0),
  follower_count  integer NOT NULL DEFAULT 0 CHECK (follower_count >= 0),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX boards_owner_name_idx ON boards (owner_id, lower(name));
CREATE INDEX boards_owner_idx ON boards (owner_id, id DESC);

CREATE TABLE board_follows (
  id          bigint NOT NULL UNIQUE DEFAULT next_id(),
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  board_id    bigint NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, board_id)
);
CREATE INDEX board_follows_board_idx ON board_follows (board_id, id DESC);
