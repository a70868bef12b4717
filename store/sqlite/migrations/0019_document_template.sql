-- The documents' template (issue 17): see the Postgres migration. Times are
-- Unix microseconds.
CREATE TABLE document_template (
    singleton     INTEGER PRIMARY KEY DEFAULT 1 CHECK (singleton = 1),
    venue_name    TEXT NOT NULL,
    legal_details TEXT NOT NULL,
    footer        TEXT NOT NULL,
    logo          BLOB,
    logo_type     TEXT NOT NULL CHECK (logo_type IN ('', 'image/png', 'image/jpeg')),
    version       INTEGER NOT NULL CHECK (version >= 1),
    updated_at    INTEGER NOT NULL,
    updated_by    TEXT NOT NULL
);
