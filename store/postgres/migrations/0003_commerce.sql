-- Vouchers and promotions, discounts, refunds, the order history that cannot be
-- edited, and the outbox of e-mails written with the changes they announce.
ALTER TABLE orders ADD COLUMN discount bigint NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN voucher_code text NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN refunded bigint NOT NULL DEFAULT 0;
ALTER TABLE orders ADD CONSTRAINT orders_refund_within_total CHECK (refunded >= 0 AND refunded <= total);
ALTER TABLE orders ADD CONSTRAINT orders_discount_nonnegative CHECK (discount >= 0 AND total >= 0);

CREATE TABLE voucher_batches (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    prefix       text NOT NULL,
    count        integer NOT NULL,
    percent      integer NOT NULL,
    amount       bigint NOT NULL,
    currency     text NOT NULL,
    restrictions jsonb NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL
);

-- One table for both kinds: the primary key makes a code name exactly one
-- voucher or promotion.
CREATE TABLE codes (
    code         text PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('voucher', 'promotion')),
    batch_id     text REFERENCES voucher_batches (id),
    name         text NOT NULL,
    percent      integer NOT NULL CHECK (percent BETWEEN 0 AND 100),
    amount       bigint NOT NULL CHECK (amount >= 0),
    currency     text NOT NULL,
    max_uses     integer NOT NULL CHECK (max_uses >= 0),
    uses         integer NOT NULL DEFAULT 0 CHECK (uses >= 0 AND (max_uses = 0 OR uses <= max_uses)),
    state        text NOT NULL CHECK (state IN ('prepared', 'available', 'blocked')),
    restrictions jsonb NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX codes_batch ON codes (batch_id, code) WHERE batch_id IS NOT NULL;
CREATE INDEX codes_kind ON codes (kind, code);

CREATE TABLE refunds (
    id              text PRIMARY KEY,
    order_id        text NOT NULL REFERENCES orders (id),
    amount          bigint NOT NULL CHECK (amount >= 0), -- 0: seats of a fully discounted order
    seats           integer[] NOT NULL,
    reason          text NOT NULL,
    method          text NOT NULL,
    actor           text NOT NULL,
    idempotency_key text NOT NULL,
    created_at      timestamptz NOT NULL,
    CONSTRAINT refunds_idempotency UNIQUE (order_id, idempotency_key)
);
CREATE INDEX refunds_created ON refunds (created_at);

-- Keyed by (order_id, seq): one index serves both the key and reading an
-- order's history in order, and every order writes a row here.
CREATE TABLE order_events (
    order_id text NOT NULL REFERENCES orders (id),
    seq      bigserial,
    at       timestamptz NOT NULL,
    action   text NOT NULL,
    actor    text NOT NULL,
    reason   text NOT NULL,
    status   text NOT NULL,
    detail   text NOT NULL,
    PRIMARY KEY (order_id, seq)
);

-- The history is append-only: no session can change or remove an entry.
CREATE FUNCTION order_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'order history cannot be edited' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER order_events_no_update BEFORE UPDATE OR DELETE ON order_events
    FOR EACH ROW EXECUTE FUNCTION order_events_immutable();
CREATE TRIGGER order_events_no_truncate BEFORE TRUNCATE ON order_events
    FOR EACH STATEMENT EXECUTE FUNCTION order_events_immutable();

CREATE TABLE outbox (
    id           text PRIMARY KEY,
    order_id     text NOT NULL REFERENCES orders (id),
    kind         text NOT NULL,
    recipient    text NOT NULL,
    subject      text NOT NULL,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL,
    sent_at      timestamptz,
    last_error   text NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (next_attempt, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_order ON outbox (order_id, created_at);
-- At most one deadline reminder per reservation, whichever node queues it.
CREATE UNIQUE INDEX outbox_one_reminder ON outbox (order_id) WHERE kind = 'reminder';
CREATE INDEX orders_reserved_deadline ON orders (deadline) WHERE status = 'reserved';
