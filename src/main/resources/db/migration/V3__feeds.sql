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
