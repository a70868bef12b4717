-- Quotas (sales channels), blocks with reasons, templates, reservations and
-- payments, staff users with API tokens and browser sessions.
ALTER TABLE performances ADD COLUMN channels TEXT NOT NULL DEFAULT '["web"]';
ALTER TABLE performances ADD COLUMN seat_channels BLOB NOT NULL DEFAULT x'';

CREATE TABLE blocks (
    performance_id TEXT NOT NULL REFERENCES performances (id),
    seat_index     INTEGER NOT NULL,
    reason         TEXT NOT NULL,
    PRIMARY KEY (performance_id, seat_index)
);

CREATE TABLE templates (
    id            TEXT PRIMARY KEY,
    hall_id       TEXT NOT NULL REFERENCES halls (id),
    name          TEXT NOT NULL,
    zones         TEXT NOT NULL,
    seat_zones    BLOB NOT NULL,
    channels      TEXT NOT NULL,
    seat_channels BLOB NOT NULL,
    blocks        TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX templates_hall ON templates (hall_id, created_at);

ALTER TABLE orders ADD COLUMN channel TEXT NOT NULL DEFAULT 'web';
ALTER TABLE orders ADD COLUMN sold_by TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN payment_method TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN deadline INTEGER; -- unix microseconds
ALTER TABLE orders ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE orders SET payment_method = 'online', updated_at = created_at;
CREATE INDEX orders_reserved ON orders (performance_id) WHERE status = 'reserved';
CREATE INDEX orders_hold_token ON orders (hold_token);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE staff_sessions (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    csrf       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);
