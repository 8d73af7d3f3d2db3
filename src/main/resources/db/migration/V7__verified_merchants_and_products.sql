-- A merchant's domain is its own: unique, and verified (a file on the domain or a DNS TXT record
-- naming verification_token) before /go redirects to it. Domains registered twice before this rule
-- keep the oldest merchant; later ones are renamed to a name that can never verify.
UPDATE merchants m SET domain = 'duplicate-' || m.id || '.invalid'
 WHERE EXISTS (SELECT 1 FROM merchants o WHERE o.domain = m.domain AND o.id < m.id);
CREATE UNIQUE INDEX merchants_domain_idx ON merchants (domain);
ALTER TABLE merchants
  ADD COLUMN verification_token text,
  ADD COLUMN domain_verified_at timestamptz;
UPDATE merchants SET verification_token = md5(random()::text || id::text || clock_timestamp()::text);
ALTER TABLE merchants ALTER COLUMN verification_token SET NOT NULL;

-- Product data belongs to the merchant: one row per (merchant, link), published by the merchant's
-- owner (a product pin they create). Every pin of the product shows its current price and availability.
CREATE TABLE products (
  id            bigint PRIMARY KEY DEFAULT next_id(),
  merchant_id   bigint NOT NULL REFERENCES merchants (id),
  link          text NOT NULL CHECK (char_length(link) <= 2048),
  price_minor   bigint NOT NULL CHECK (price_minor >= 0),
  currency      char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  availability  text NOT NULL CHECK (availability IN ('in_stock', 'out_of_stock', 'preorder')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (merchant_id, link)
);

-- Existing product pins become products (the newest pin's data wins) that their pins point at.
INSERT INTO products (merchant_id, link, price_minor, currency, availability)
SELECT DISTINCT ON (merchant_id, link) merchant_id, link, price_minor, currency, availability
  FROM pins WHERE merchant_id IS NOT NULL AND link IS NOT NULL
 ORDER BY merchant_id, link, id DESC;
ALTER TABLE pins ADD COLUMN product_id bigint REFERENCES products (id);
UPDATE pins p SET product_id = pr.id FROM products pr
 WHERE p.merchant_id = pr.merchant_id AND p.link = pr.link;
ALTER TABLE pins DROP CONSTRAINT pins_product_complete;
ALTER TABLE pins DROP COLUMN price_minor, DROP COLUMN currency, DROP COLUMN availability;
-- merchant_id stays on the pin (whose clicks are attributed to whom), always the product's merchant.
ALTER TABLE pins ADD CONSTRAINT pins_product_merchant CHECK ((product_id IS NULL) = (merchant_id IS NULL));
