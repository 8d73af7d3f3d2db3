-- Sessions end after auth.session_idle_seconds without use, besides their absolute expiry.
ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now();
