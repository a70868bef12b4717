CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE halls (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    layout     BLOB NOT NULL,
    seats      INTEGER NOT NULL,
    created_at INTEGER NOT NULL -- unix microseconds, UTC
);

CREATE TABLE performances (
    id         TEXT PRIMARY KEY,
    hall_id    TEXT NOT NULL REFERENCES halls (id),
    name       TEXT NOT NULL,
    starts_at  INTEGER NOT NULL,
    status     TEXT NOT NULL,
    zones      TEXT NOT NULL,  -- JSON array of zones
    seat_zones BLOB NOT NULL,  -- little-endian uint16 per dense seat index
    created_at INTEGER NOT NULL
);
CREATE INDEX performances_starts_at ON performances (starts_at, id);

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    performance_id  TEXT NOT NULL REFERENCES performances (id),
    status          TEXT NOT NULL,
    buyer_name      TEXT NOT NULL,
    buyer_email     TEXT NOT NULL,
    session         TEXT NOT NULL,
    hold_token      TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    total           INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX orders_idempotency ON orders (session, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX orders_performance ON orders (performance_id, created_at, id);
CREATE INDEX orders_created ON orders (created_at, id);

CREATE TABLE tickets (
    order_id       TEXT NOT NULL REFERENCES orders (id),
    performance_id TEXT NOT NULL,
    seat_index     INTEGER NOT NULL,
    seat_id        TEXT NOT NULL,
    zone           TEXT NOT NULL,
    price          INTEGER NOT NULL,
    status         TEXT NOT NULL,
    PRIMARY KEY (order_id, seat_index)
);
-- The last line of defence against a double sale: one live ticket per seat.
CREATE UNIQUE INDEX tickets_live_seat ON tickets (performance_id, seat_index) WHERE status = 'live';
