-- Access products and the facility's settings (issue 14): what a venue sells
-- that is not a seat. A product's validity and the rules of its kind are JSON
-- as package pass encodes them; its version counts changes, so that an edit
-- made on an old copy is refused. The facility's settings are one row.
CREATE TABLE products (
    id         text PRIMARY KEY,
    kind       text NOT NULL,
    name       text NOT NULL,
    price      bigint NOT NULL CHECK (price >= 0),
    currency   text NOT NULL,
    channels   text[] NOT NULL,
    on_sale    boolean NOT NULL,
    validity   jsonb NOT NULL,
    rules      jsonb NOT NULL,
    version    integer NOT NULL CHECK (version >= 1),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX products_created ON products (created_at, id);

CREATE TABLE facility (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    settings   jsonb NOT NULL,
    version    integer NOT NULL CHECK (version >= 1),
    updated_at timestamptz NOT NULL
);
