-- Fan-out jobs (a transactional outbox): written in the same statement as the pin insert or delete,
-- removed once every feed has it. A crash between the two is repaired by the sweep on start.
CREATE TABLE feed_outbox (
  pin_id         bigint NOT NULL REFERENCES pins (id),
  action         text NOT NULL CHECK (action IN ('add', 'remove')),
  claimed_until  timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pin_id, action)
);
CREATE INDEX feed_outbox_claim_idx ON feed_outbox (claimed_until);

-- Accounts and boards with at least feed.celebrity_threshold followers are not fanned out; their
-- pins are merged into home feeds at read time. The flag is sticky (set once, never cleared by
-- unfollows): a home feed that stopped receiving an account's pins never has to take them back.
ALTER TABLE users ADD COLUMN celebrity boolean NOT NULL DEFAULT false;
ALTER TABLE boards ADD COLUMN celebrity boolean NOT NULL DEFAULT false;
