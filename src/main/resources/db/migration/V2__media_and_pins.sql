-- One row per distinct upload (content-addressed by the SHA-256 of its bytes). A row in status
-- 'processing' is also the thumbnail job: it is written before the upload is acknowledged, so a
-- crash can never lose it; whoever holds the lease (claimed_until in the future) is working on it.
CREATE TABLE media (
  id              bigint PRIMARY KEY DEFAULT next_id(),
  sha256          text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  format          text NOT NULL CHECK (format IN ('jpeg', 'png', 'gif', 'webp')),
  bytes           bigint NOT NULL CHECK (bytes > 0),
  width           integer NOT NULL CHECK (width > 0),   -- as displayed, after EXIF orientation
  height          integer NOT NULL CHECK (height > 0),
  status          text NOT NULL DEFAULT 'processing' CHECK (status IN ('processing', 'ready', 'failed')),
  images          jsonb,                                -- {"236x": {"file", "width", "height"}, ...} once ready
  dominant_color  text,
  failure_code    text,
  attempts        integer NOT NULL DEFAULT 0,
  claimed_until   timestamptz,
  uploaded_by     bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  ready_at        timestamptz
);
CREATE INDEX media_pending_idx ON media (claimed_until) WHERE status = 'processing';

-- Pins are soft-deleted (deleted_at) so clicks, saves and conversions that point at them keep
-- their history; every read filters on deleted_at IS NULL.
CREATE TABLE pins (
  id             bigint PRIMARY KEY DEFAULT next_id(),
  board_id       bigint NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
  owner_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  media_id       bigint NOT NULL REFERENCES media (id),
  title          text CHECK (char_length(title) <= 100),
  description    text CHECK (char_length(description) <= 800),
  link           text CHECK (char_length(link) <= 2048),
  alt_text       text CHECK (char_length(alt_text) <= 500),
  parent_pin_id  bigint REFERENCES pins (id),
  save_count     integer NOT NULL DEFAULT 0 CHECK (save_count >= 0),
  click_count    integer NOT NULL DEFAULT 0 CHECK (click_count >= 0),
  created_at     timestamptz NOT NULL DEFAULT now(),
  deleted_at     timestamptz
);
CREATE INDEX pins_board_idx ON pins (board_id, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX pins_owner_idx ON pins (owner_id, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX pins_parent_idx ON pins (parent_pin_id) WHERE parent_pin_id IS NOT NULL;
