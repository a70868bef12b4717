CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE halls (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    layout     jsonb NOT NULL,
    seats      integer NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE performances (
    id         text PRIMARY KEY,
    hall_id    text NOT NULL REFERENCES halls (id),
    name       text NOT NULL,
    starts_at  timestamptz NOT NULL,
    status     text NOT NULL,
    zones      jsonb NOT NULL,
    seat_zones bytea NOT NULL, -- little-endian uint16 per dense seat index
    created_at timestamptz NOT NULL
);
CREATE INDEX performances_starts_at ON performances (starts_at, id);

CREATE TABLE orders (
    id              text PRIMARY KEY,
    number          text NOT NULL CONSTRAINT orders_number_key UNIQUE,
    performance_id  text NOT NULL REFERENCES performances (id),
    status          text NOT NULL,
    buyer_name      text NOT NULL,
    buyer_email     text NOT NULL,
    session         text NOT NULL,
    hold_token      text NOT NULL,
    idempotency_key text NOT NULL,
    total           bigint NOT NULL,
    currency        text NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX orders_idempotency ON orders (session, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX orders_performance ON orders (performance_id, created_at, id);
CREATE INDEX orders_created ON orders (created_at, id);

CREATE TABLE tickets (
    order_id       text NOT NULL REFERENCES orders (id),
    performance_id text NOT NULL,
    seat_index     integer NOT NULL,
    seat_id        text NOT NULL,
    zone           text NOT NULL,
    price          bigint NOT NULL,
    status         text NOT NULL,
    PRIMARY KEY (order_id, seat_index)
);
-- The last line of defence against a double sale: one live ticket per seat.
CREATE UNIQUE INDEX tickets_live_seat ON tickets (performance_id, seat_index) WHERE status = 'live';
