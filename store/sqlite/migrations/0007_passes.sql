-- Passes (issue 14): each unit of a product sold (one card of a block, one
-- annual pass) is a pass, written with its order in the order's transaction.
-- A pass's price is its line on the receipt (a block's first card the
-- product's price, the others 0); its code is unique and unguessable like a
-- ticket's. The holder, the printing time and the replacement are for
-- personalization and production. Dates are YYYY-MM-DD text, '' for none.
--
-- An order of passes alone has no performance: orders.performance_id loses
-- its NOT NULL. SQLite cannot drop a constraint in place, so the table is
-- made again. The foreign keys of its children (tickets, refunds, history,
-- outbox, payments) are checked at commit (defer_foreign_keys, reset at
-- commit): dropping the old table counts their rows as orphans, putting the
-- rows back into the new table under the same name counts them found again.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE orders_0007 AS SELECT * FROM orders;
DROP TABLE orders;
CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    performance_id  TEXT REFERENCES performances (id),
    status          TEXT NOT NULL,
    buyer_name      TEXT NOT NULL,
    buyer_email     TEXT NOT NULL,
    session         TEXT NOT NULL,
    hold_token      TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    total           INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    channel         TEXT NOT NULL DEFAULT 'web',
    sold_by         TEXT NOT NULL DEFAULT '',
    payment_method  TEXT NOT NULL DEFAULT '',
    deadline        INTEGER,
    updated_at      INTEGER NOT NULL DEFAULT 0,
    discount        INTEGER NOT NULL DEFAULT 0 CHECK (discount >= 0),
    voucher_code    TEXT NOT NULL DEFAULT '',
    refunded        INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= total),
    access_key      TEXT NOT NULL DEFAULT ''
);
INSERT INTO orders SELECT * FROM orders_0007;
DROP TABLE orders_0007;
CREATE UNIQUE INDEX orders_idempotency ON orders (session, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX orders_performance ON orders (performance_id, created_at, id);
CREATE INDEX orders_created ON orders (created_at, id);
CREATE INDEX orders_reserved ON orders (performance_id) WHERE status = 'reserved';
CREATE INDEX orders_hold_token ON orders (hold_token);
CREATE INDEX orders_reserved_deadline ON orders (deadline) WHERE status = 'reserved';
CREATE INDEX orders_pending_payment ON orders (performance_id) WHERE status = 'pending_payment';

CREATE TABLE passes (
    id                TEXT PRIMARY KEY,
    order_id          TEXT NOT NULL REFERENCES orders (id),
    product_id        TEXT NOT NULL REFERENCES products (id),
    product_name      TEXT NOT NULL,
    kind              TEXT NOT NULL,
    line              INTEGER NOT NULL CHECK (line >= 0),
    unit              INTEGER NOT NULL CHECK (unit >= 0),
    price             INTEGER NOT NULL CHECK (price >= 0),
    code              TEXT NOT NULL UNIQUE,
    state             TEXT NOT NULL,
    personalize       INTEGER NOT NULL,
    holder_name       TEXT NOT NULL DEFAULT '',
    holder_birth_date TEXT NOT NULL DEFAULT '',
    valid_from        TEXT NOT NULL DEFAULT '',
    valid_to          TEXT NOT NULL DEFAULT '',
    personalize_token TEXT NOT NULL DEFAULT '',
    replaced_by       TEXT NOT NULL DEFAULT '',
    printed_at        INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX passes_order ON passes (order_id, line, unit, id);
CREATE INDEX passes_created ON passes (created_at, id);
CREATE INDEX passes_state ON passes (state, created_at, id);
CREATE INDEX passes_product ON passes (product_id, created_at, id);
CREATE INDEX passes_personalize_token ON passes (personalize_token) WHERE personalize_token <> '';

ALTER TABLE refunds ADD COLUMN passes TEXT NOT NULL DEFAULT '[]'; -- JSON array of pass ids
