-- Passes (issue 14): each unit of a product sold (one card of a block, one
-- annual pass) is a pass, written with its order in the order's statement.
-- An order of passes alone has no performance. A pass's price is its line on
-- the receipt (a block's first card the product's price, the others 0); its
-- code is unique and unguessable like a ticket's. The holder, the printing
-- time and the replacement are for personalization and production.
ALTER TABLE orders ALTER COLUMN performance_id DROP NOT NULL;

CREATE TABLE passes (
    id                text PRIMARY KEY,
    order_id          text NOT NULL REFERENCES orders (id),
    product_id        text NOT NULL REFERENCES products (id),
    product_name      text NOT NULL,
    kind              text NOT NULL,
    line              integer NOT NULL CHECK (line >= 0),
    unit              integer NOT NULL CHECK (unit >= 0),
    price             bigint NOT NULL CHECK (price >= 0),
    code              text NOT NULL CONSTRAINT passes_code_key UNIQUE,
    state             text NOT NULL,
    personalize       boolean NOT NULL,
    holder_name       text NOT NULL DEFAULT '',
    holder_birth_date date,
    valid_from        date,
    valid_to          date,
    personalize_token text NOT NULL DEFAULT '',
    replaced_by       text NOT NULL DEFAULT '',
    printed_at        timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX passes_order ON passes (order_id, line, unit, id);
CREATE INDEX passes_created ON passes (created_at, id);
CREATE INDEX passes_state ON passes (state, created_at, id);
CREATE INDEX passes_product ON passes (product_id, created_at, id);
CREATE INDEX passes_personalize_token ON passes (personalize_token) WHERE personalize_token <> '';

ALTER TABLE refunds ADD COLUMN passes text[] NOT NULL DEFAULT '{}';
