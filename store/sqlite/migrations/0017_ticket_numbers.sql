-- Ticket numbers (issue 17): see the Postgres migration. Times are Unix
-- microseconds.
CREATE TABLE ticket_counter (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    series TEXT NOT NULL CHECK (length(series) = 2 AND series GLOB '[A-Z][A-Z]'),
    next   INTEGER NOT NULL CHECK (next BETWEEN 1 AND 1000000)
);
INSERT INTO ticket_counter (id, series, next) VALUES (1, 'AA', 1);

CREATE TABLE ticket_numbers (
    series         TEXT NOT NULL,
    number         INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999999),
    ticket_id      TEXT NOT NULL,
    order_id       TEXT NOT NULL REFERENCES orders (id),
    performance_id TEXT NOT NULL,
    issued_at      INTEGER NOT NULL,
    voided_at      INTEGER,
    void_reason    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (series, number)
);
CREATE UNIQUE INDEX ticket_numbers_current ON ticket_numbers (ticket_id) WHERE voided_at IS NULL;
CREATE INDEX ticket_numbers_order ON ticket_numbers (order_id);
CREATE INDEX ticket_numbers_performance ON ticket_numbers (performance_id, series, number);

CREATE TABLE ticket_number_queue (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL UNIQUE
);

CREATE TRIGGER orders_ticket_numbers_insert AFTER INSERT ON orders
WHEN NEW.performance_id IS NOT NULL AND NEW.status IN ('paid', 'partially_refunded', 'refunded')
BEGIN
    INSERT OR IGNORE INTO ticket_number_queue (order_id) VALUES (NEW.id);
END;
CREATE TRIGGER orders_ticket_numbers_update AFTER UPDATE OF status ON orders
WHEN NEW.performance_id IS NOT NULL AND NEW.status IN ('paid', 'partially_refunded', 'refunded')
    AND OLD.status NOT IN ('paid', 'partially_refunded', 'refunded')
BEGIN
    INSERT OR IGNORE INTO ticket_number_queue (order_id) VALUES (NEW.id);
END;

INSERT INTO ticket_number_queue (order_id)
    SELECT id FROM orders WHERE performance_id IS NOT NULL AND status IN ('paid', 'partially_refunded', 'refunded')
    ORDER BY created_at, id;
