-- Replacing a performance (issue 16, seed 001 §4 "замена"): its name or date
-- changed in place. Each change is a replacement; every buyer of a paid or
-- reserved order is told once (a row here, written with the e-mail) and may
-- choose, until the deadline, to attend or to take a full refund. The first
-- refund stands; "attend" may still turn into "refund" before the deadline.
CREATE TABLE replacements (
    id              TEXT PRIMARY KEY,
    performance_id  TEXT NOT NULL REFERENCES performances (id),
    old_name        TEXT NOT NULL,
    new_name        TEXT NOT NULL,
    old_starts_at   INTEGER NOT NULL,
    new_starts_at   INTEGER NOT NULL,
    refund_deadline INTEGER,
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);
CREATE INDEX replacements_performance ON replacements (performance_id, created_at);

CREATE TABLE replacement_orders (
    replacement_id TEXT NOT NULL REFERENCES replacements (id),
    order_id       TEXT NOT NULL REFERENCES orders (id),
    choice         TEXT CHECK (choice IN ('attend', 'refund')),
    notified_at    INTEGER,
    chosen_at      INTEGER,
    PRIMARY KEY (replacement_id, order_id)
);
