-- Vouchers and promotions, discounts, refunds, the order history that cannot be
-- edited, and the outbox of e-mails written with the changes they announce.
-- Times are unix microseconds, as elsewhere.
ALTER TABLE orders ADD COLUMN discount INTEGER NOT NULL DEFAULT 0 CHECK (discount >= 0);
ALTER TABLE orders ADD COLUMN voucher_code TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN refunded INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= total);

CREATE TABLE voucher_batches (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    count        INTEGER NOT NULL,
    percent      INTEGER NOT NULL,
    amount       INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    restrictions TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

-- One table for both kinds: the primary key makes a code name exactly one
-- voucher or promotion.
CREATE TABLE codes (
    code         TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('voucher', 'promotion')),
    batch_id     TEXT REFERENCES voucher_batches (id),
    name         TEXT NOT NULL,
    percent      INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    amount       INTEGER NOT NULL CHECK (amount >= 0),
    currency     TEXT NOT NULL,
    max_uses     INTEGER NOT NULL CHECK (max_uses >= 0),
    uses         INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND (max_uses = 0 OR uses <= max_uses)),
    state        TEXT NOT NULL CHECK (state IN ('prepared', 'available', 'blocked')),
    restrictions TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX codes_batch ON codes (batch_id, code) WHERE batch_id IS NOT NULL;
CREATE INDEX codes_kind ON codes (kind, code);

CREATE TABLE refunds (
    id              TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL REFERENCES orders (id),
    amount          INTEGER NOT NULL CHECK (amount >= 0), -- 0: seats of a fully discounted order
    seats           TEXT NOT NULL, -- JSON array of dense seat indices
    reason          TEXT NOT NULL,
    method          TEXT NOT NULL,
    actor           TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (order_id, idempotency_key)
);
CREATE INDEX refunds_created ON refunds (created_at);

CREATE TABLE order_events (
    seq      INTEGER PRIMARY KEY, -- the rowid: rows are never deleted, so it only grows
    order_id TEXT NOT NULL REFERENCES orders (id),
    at       INTEGER NOT NULL,
    action   TEXT NOT NULL,
    actor    TEXT NOT NULL,
    reason   TEXT NOT NULL,
    status   TEXT NOT NULL,
    detail   TEXT NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, seq);

-- The history is append-only.
CREATE TRIGGER order_events_no_update BEFORE UPDATE ON order_events
BEGIN SELECT RAISE(ABORT, 'order history cannot be edited'); END;
CREATE TRIGGER order_events_no_delete BEFORE DELETE ON order_events
BEGIN SELECT RAISE(ABORT, 'order history cannot be edited'); END;

CREATE TABLE outbox (
    id           TEXT PRIMARY KEY,
    order_id     TEXT NOT NULL REFERENCES orders (id),
    kind         TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    sent_at      INTEGER,
    last_error   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (next_attempt, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_order ON outbox (order_id, created_at);
-- At most one deadline reminder per reservation.
CREATE UNIQUE INDEX outbox_one_reminder ON outbox (order_id) WHERE kind = 'reminder';
CREATE INDEX orders_reserved_deadline ON orders (deadline) WHERE status = 'reserved';
