-- Tickets a gate can scan, and orders their buyers can open from any device.
-- Every ticket gets a public id and a code (at least 128 random bits); every
-- order a secret access key for its link. New rows get them from checkout
-- (crypto/rand); the rows already here get them now, from randomblob (SQLite's
-- ChaCha20 generator, seeded by the operating system), so that every ticket
-- sold has a code the gate can find. Codes are stored as they are: the order
-- page and its e-mail show them again.
ALTER TABLE tickets ADD COLUMN id TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN code TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN access_key TEXT NOT NULL DEFAULT '';

UPDATE tickets SET id = 't' || lower(hex(randomblob(10))), code = upper(hex(randomblob(16)));
UPDATE orders SET access_key = lower(hex(randomblob(16)));

CREATE UNIQUE INDEX tickets_id ON tickets (id);
-- The gate looks tickets up by code.
CREATE UNIQUE INDEX tickets_code ON tickets (code);
