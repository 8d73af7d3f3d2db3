-- Social e-commerce: merchants, product pins, click-throughs, conversions and an append-only ledger.
-- Money is always bigint minor units with its ISO 4217 currency on the same row; never a float.

-- A merchant's API key is 256 random bits; only its SHA-256 is stored. `currency` is the settlement
-- currency: set at creation or by the first conversion, and every later conversion must match it,
-- so a merchant's report totals never add up two currencies.
CREATE TABLE merchants (
  id                       bigint PRIMARY KEY DEFAULT next_id(),
  owner_id                 bigint NOT NULL REFERENCES users (id),
  name                     text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  domain                   text NOT NULL CHECK (domain ~ '^[a-z0-9.-]{1,253}$'),
  commission_rate_bps      integer NOT NULL CHECK (commission_rate_bps BETWEEN 0 AND 10000),
  attribution_window_days  integer NOT NULL DEFAULT 30 CHECK (attribution_window_days BETWEEN 1 AND 365),
  currency                 char(3) CHECK (currency ~ '^[A-Z]{3}$'),
  api_key_hash             bytea NOT NULL UNIQUE,
  created_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX merchants_owner_idx ON merchants (owner_id);

-- A product pin: all four product columns are set, or none.
ALTER TABLE pins
  ADD COLUMN merchant_id   bigint REFERENCES merchants (id),
  ADD COLUMN price_minor   bigint CHECK (price_minor >= 0),
  ADD COLUMN currency      char(3) CHECK (currency ~ '^[A-Z]{3}$'),
  ADD COLUMN availability  text CHECK (availability IN ('in_stock', 'out_of_stock', 'preorder')),
  ADD CONSTRAINT pins_product_complete CHECK (
    (merchant_id IS NULL AND price_minor IS NULL AND currency IS NULL AND availability IS NULL)
    OR (merchant_id IS NOT NULL AND price_minor IS NOT NULL AND currency IS NOT NULL AND availability IS NOT NULL));

-- Every redirect through /go/{pin_id}, counted or not. `id` is the pclid handed to the shop: 128
-- random bits, so one merchant cannot guess (and claim) another merchant's clicks. clicked_at is the
-- time of the redirect, not of the (batched) insert. IP and user agent are HMAC-SHA256 with a server
-- secret, never stored in clear.
CREATE TABLE clicks (
  id                  text PRIMARY KEY CHECK (char_length(id) BETWEEN 16 AND 64),
  pin_id              bigint NOT NULL REFERENCES pins (id),
  merchant_id         bigint REFERENCES merchants (id),
  pinner_id           bigint NOT NULL REFERENCES users (id),
  viewer_id           bigint REFERENCES users (id) ON DELETE SET NULL,
  ip_hash             bytea NOT NULL,
  ua_hash             bytea NOT NULL,
  referrer            text CHECK (char_length(referrer) <= 2048),
  counted             boolean NOT NULL,
  not_counted_reason  text CHECK (not_counted_reason IN ('bot', 'repeat')),
  clicked_at          timestamptz NOT NULL,
  CHECK (counted = (not_counted_reason IS NULL))
);
CREATE INDEX clicks_merchant_time_idx ON clicks (merchant_id, clicked_at) WHERE merchant_id IS NOT NULL;
CREATE INDEX clicks_pin_time_idx ON clicks (pin_id, clicked_at);

-- One conversion per (merchant, order_id): the unique constraint is the idempotency check. The rate,
-- the pin and the pinner are copied from the merchant and the click at the time of the sale.
CREATE TABLE conversions (
  id                   bigint PRIMARY KEY DEFAULT next_id(),
  merchant_id          bigint NOT NULL REFERENCES merchants (id),
  order_id             text NOT NULL CHECK (char_length(order_id) BETWEEN 1 AND 100),
  click_id             text NOT NULL REFERENCES clicks (id),
  pin_id               bigint NOT NULL REFERENCES pins (id),
  pinner_id            bigint NOT NULL REFERENCES users (id),
  amount_minor         bigint NOT NULL CHECK (amount_minor >= 0),
  currency             char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  commission_rate_bps  integer NOT NULL,
  commission_minor     bigint NOT NULL CHECK (commission_minor >= 0),
  status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'refunded')),
  suspect              boolean NOT NULL,
  clicked_at           timestamptz NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  refunded_at          timestamptz,
  UNIQUE (merchant_id, order_id)
);
CREATE INDEX conversions_merchant_time_idx ON conversions (merchant_id, created_at);

-- Append-only: a commission is written once per account, a refund reverses it with negative entries.
-- The trigger makes "append-only" a property of the database, not a promise of the code.
CREATE TABLE ledger_entries (
  id             bigint PRIMARY KEY DEFAULT next_id(),
  conversion_id  bigint NOT NULL REFERENCES conversions (id),
  account        text NOT NULL CHECK (account = 'platform' OR account ~ '^pinner:[0-9]+$'),
  user_id        bigint REFERENCES users (id),
  amount_minor   bigint NOT NULL,
  currency       char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  kind           text NOT NULL CHECK (kind IN ('commission', 'refund')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (conversion_id, account, kind),
  CHECK ((account = 'platform') = (user_id IS NULL))
);
CREATE INDEX ledger_user_idx ON ledger_entries (user_id, id DESC) WHERE user_id IS NOT NULL;

CREATE FUNCTION ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries is append-only: % is not allowed', TG_OP;
END
$$;

CREATE TRIGGER ledger_entries_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
