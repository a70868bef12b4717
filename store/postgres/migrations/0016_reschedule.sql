-- Reschedule to a replacement date (issue 16, seed 003 Ersatztermin).
-- An order's notes: what staff read in the order table (a moved order names
-- the original's number, the original names the new one).
ALTER TABLE orders ADD COLUMN notes text NOT NULL DEFAULT '';

-- One reschedule per original performance: its replacement, set up with the
-- original's data, and the job that moves the orders.
CREATE TABLE reschedules (
    origin_id      text PRIMARY KEY REFERENCES performances (id),
    replacement_id text NOT NULL UNIQUE,
    job_id         text NOT NULL,
    starts_at      timestamptz NOT NULL,
    reservations   text NOT NULL CHECK (reservations IN ('keep', 'release', 'decide')),
    origin_status  text NOT NULL,
    set_up         boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL
);

-- What the job did with each order of the original: the original order's id
-- is the key, so a job resumed after a crash never moves an order twice. A
-- reservation waiting for staff's decision ('pending') is the one row that
-- changes again (to 'reserved' or 'released').
CREATE TABLE order_moves (
    origin_order_id text PRIMARY KEY REFERENCES orders (id),
    origin_id       text NOT NULL REFERENCES performances (id),
    replacement_id  text NOT NULL REFERENCES performances (id),
    kind            text NOT NULL CHECK (kind IN ('paid', 'reserved', 'pending', 'released', 'block')),
    new_order_id    text, -- written in the same transaction, after this row
    seats           integer NOT NULL DEFAULT 0,
    printed         integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX order_moves_origin ON order_moves (origin_id, kind);
-- The sales report leaves moved orders out: their sale is the original's.
CREATE INDEX order_moves_new_order ON order_moves (new_order_id);
