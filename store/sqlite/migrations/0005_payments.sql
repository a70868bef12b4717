-- Payments through a payment provider (issue 13): a web order waits for its
-- payment as pending_payment (written like a reservation: live tickets and a
-- deadline, the end of the payment window), and each payment and refund at the
-- provider is a row here. payment_events records every provider event applied,
-- in the transaction that applies it, so that a replayed delivery changes
-- nothing. Times are unix microseconds, as elsewhere.
CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL REFERENCES orders (id),
    provider        TEXT NOT NULL,
    provider_id     TEXT, -- NULL until the provider has answered (a refund being made)
    kind            TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
    refund_id       TEXT NOT NULL DEFAULT '', -- seatd's refund, for a refund of one
    amount          INTEGER NOT NULL CHECK (amount > 0),
    currency        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'canceled')),
    client_secret   TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CONSTRAINT payments_provider_id UNIQUE (provider, provider_id),
    CONSTRAINT payments_idempotency UNIQUE (order_id, idempotency_key)
);
CREATE INDEX payments_created ON payments (created_at);

CREATE TABLE payment_events (
    provider    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- A rebuild restores orders waiting for payment as it restores reservations.
CREATE INDEX orders_pending_payment ON orders (performance_id) WHERE status = 'pending_payment';
