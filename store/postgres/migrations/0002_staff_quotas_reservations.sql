-- Quotas (sales channels), blocks with reasons, templates, reservations and
-- payments, staff users with API tokens and browser sessions.
ALTER TABLE performances ADD COLUMN channels jsonb NOT NULL DEFAULT '["web"]';
ALTER TABLE performances ADD COLUMN seat_channels bytea NOT NULL DEFAULT '';

CREATE TABLE blocks (
    performance_id text NOT NULL REFERENCES performances (id),
    seat_index     integer NOT NULL,
    reason         text NOT NULL,
    PRIMARY KEY (performance_id, seat_index)
);

CREATE TABLE templates (
    id            text PRIMARY KEY,
    hall_id       text NOT NULL REFERENCES halls (id),
    name          text NOT NULL,
    zones         jsonb NOT NULL,
    seat_zones    bytea NOT NULL,
    channels      jsonb NOT NULL,
    seat_channels bytea NOT NULL,
    blocks        jsonb NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX templates_hall ON templates (hall_id, created_at);

ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';
ALTER TABLE orders ADD COLUMN sold_by text NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN payment_method text NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN deadline timestamptz;
ALTER TABLE orders ADD COLUMN updated_at timestamptz;
UPDATE orders SET payment_method = 'online', updated_at = created_at;
ALTER TABLE orders ALTER COLUMN updated_at SET NOT NULL;
CREATE INDEX orders_reserved ON orders (performance_id) WHERE status = 'reserved';
CREATE INDEX orders_hold_token ON orders (hold_token);

CREATE TABLE users (
    id            text PRIMARY KEY,
    login         text NOT NULL UNIQUE,
    name          text NOT NULL,
    role          text NOT NULL,
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    id         text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id),
    name       text NOT NULL,
    hash       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

CREATE TABLE staff_sessions (
    hash       text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id),
    csrf       text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);
