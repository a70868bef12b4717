-- Access products and the facility's settings (issue 14): what a venue sells
-- that is not a seat. A product's channels, validity and the rules of its
-- kind are JSON as package pass encodes them; its version counts changes, so
-- that an edit made on an old copy is refused. The facility's settings are
-- one row. Times are unix microseconds, as elsewhere.
CREATE TABLE products (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    price      INTEGER NOT NULL CHECK (price >= 0),
    currency   TEXT NOT NULL,
    channels   TEXT NOT NULL,
    on_sale    INTEGER NOT NULL CHECK (on_sale IN (0, 1)),
    validity   TEXT NOT NULL,
    rules      TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX products_created ON products (created_at, id);

CREATE TABLE facility (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    settings   TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    updated_at INTEGER NOT NULL
);
