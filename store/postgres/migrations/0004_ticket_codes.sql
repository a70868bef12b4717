-- Tickets a gate can scan, and orders their buyers can open from any device.
-- Every ticket gets a public id and a code (at least 128 random bits); every
-- order a secret access key for its link. New rows get them from checkout
-- (crypto/rand); the rows already here get them now, from gen_random_uuid
-- (pg_strong_random), so that every ticket sold has a code the gate can find.
-- Codes are stored as they are: the order page and its e-mail show them again.
ALTER TABLE tickets ADD COLUMN id text;
ALTER TABLE tickets ADD COLUMN code text;
ALTER TABLE orders ADD COLUMN access_key text NOT NULL DEFAULT '';

UPDATE tickets SET
    id = 't' || left(encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), 20),
    code = upper(left(encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'), 32));
UPDATE orders SET
    access_key = left(encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'), 32);

ALTER TABLE tickets ALTER COLUMN id SET NOT NULL;
ALTER TABLE tickets ALTER COLUMN code SET NOT NULL;
CREATE UNIQUE INDEX tickets_id ON tickets (id);
-- The gate looks tickets up by code.
CREATE UNIQUE INDEX tickets_code ON tickets (code);
