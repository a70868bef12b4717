-- Ticket numbers (issue 17): each issued ticket is a numbered form, a series
-- of two letters and six digits, never used twice. An order's transaction
-- only queues it (a trigger, when it becomes paid); the numberer draws the
-- numbers after the commit, under the counter's row lock, in queue order.
CREATE TABLE ticket_counter (
    id     integer PRIMARY KEY CHECK (id = 1),
    series text NOT NULL CHECK (series ~ '^[A-Z]{2}$'),
    next   integer NOT NULL CHECK (next BETWEEN 1 AND 1000000)
);
INSERT INTO ticket_counter (id, series, next) VALUES (1, 'AA', 1);

-- The register: every number drawn, the ticket it went to, and, once it no
-- longer is that ticket's (printed again on a new form), when and why.
CREATE TABLE ticket_numbers (
    series         text NOT NULL,
    number         integer NOT NULL CHECK (number BETWEEN 1 AND 999999),
    ticket_id      text NOT NULL,
    order_id       text NOT NULL REFERENCES orders (id),
    performance_id text NOT NULL,
    issued_at      timestamptz NOT NULL,
    voided_at      timestamptz,
    void_reason    text NOT NULL DEFAULT '',
    PRIMARY KEY (series, number)
);
CREATE UNIQUE INDEX ticket_numbers_current ON ticket_numbers (ticket_id) WHERE voided_at IS NULL;
CREATE INDEX ticket_numbers_order ON ticket_numbers (order_id);
CREATE INDEX ticket_numbers_performance ON ticket_numbers (performance_id, series, number);

-- No unique key on order_id: an order queued twice is numbered once (the
-- numberer skips tickets that have a number), and every index here is one
-- more write in each order's statement.
CREATE TABLE ticket_number_queue (
    seq      bigserial PRIMARY KEY,
    order_id text NOT NULL
);

-- Orders written paid are queued once per statement (a batch of orders is
-- one statement: one insert into the queue for all of them); an order that
-- becomes paid later (a reservation, a payment) once per row.
CREATE FUNCTION ticket_number_enqueue_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_number_queue (order_id)
        SELECT id FROM inserted_orders
        WHERE performance_id IS NOT NULL AND status IN ('paid', 'partially_refunded', 'refunded');
    RETURN NULL;
END $$;
CREATE TRIGGER orders_ticket_numbers_insert AFTER INSERT ON orders
    REFERENCING NEW TABLE AS inserted_orders
    FOR EACH STATEMENT EXECUTE FUNCTION ticket_number_enqueue_inserted();

CREATE FUNCTION ticket_number_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.performance_id IS NOT NULL AND NEW.status IN ('paid', 'partially_refunded', 'refunded')
       AND OLD.status NOT IN ('paid', 'partially_refunded', 'refunded') THEN
        INSERT INTO ticket_number_queue (order_id) VALUES (NEW.id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER orders_ticket_numbers AFTER UPDATE OF status ON orders
    FOR EACH ROW EXECUTE FUNCTION ticket_number_enqueue();

-- Orders paid before this migration are numbered too, oldest first.
INSERT INTO ticket_number_queue (order_id)
    SELECT id FROM orders WHERE performance_id IS NOT NULL AND status IN ('paid', 'partially_refunded', 'refunded')
    ORDER BY created_at, id;
