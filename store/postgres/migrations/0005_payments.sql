-- Payments through a payment provider (issue 13): a web order waits for its
-- payment as pending_payment (written like a reservation: live tickets and a
-- deadline, the end of the payment window), and each payment and refund at the
-- provider is a row here. payment_events records every provider event applied,
-- in the transaction that applies it, so that a replayed delivery changes
-- nothing.
CREATE TABLE payments (
    id              text PRIMARY KEY,
    order_id        text NOT NULL REFERENCES orders (id),
    provider        text NOT NULL,
    provider_id     text, -- NULL until the provider has answered (a refund being made)
    kind            text NOT NULL CHECK (kind IN ('payment', 'refund')),
    refund_id       text NOT NULL DEFAULT '', -- seatd's refund, for a refund of one
    amount          bigint NOT NULL CHECK (amount > 0),
    currency        text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'canceled')),
    client_secret   text NOT NULL DEFAULT '',
    idempotency_key text NOT NULL,
    reason          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT payments_provider_id UNIQUE (provider, provider_id),
    CONSTRAINT payments_idempotency UNIQUE (order_id, idempotency_key)
);
CREATE INDEX payments_created ON payments (created_at);

CREATE TABLE payment_events (
    provider    text NOT NULL,
    event_id    text NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- A rebuild restores orders waiting for payment as it restores reservations.
CREATE INDEX orders_pending_payment ON orders (performance_id) WHERE status = 'pending_payment';
