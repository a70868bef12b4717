-- Documents (issue 17): see the Postgres migration. Times are Unix
-- microseconds.
CREATE TABLE documents (
    id             TEXT PRIMARY KEY,
    performance_id TEXT REFERENCES performances (id), -- NULL: a document of a period
    period         TEXT NOT NULL DEFAULT '',           -- a period's document: its day, YYYY-MM-DD in the venue's zone
    kind           TEXT NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    sha256         TEXT NOT NULL,
    as_of          INTEGER NOT NULL,
    supersedes     TEXT REFERENCES documents (id),
    pdf            BLOB NOT NULL,
    csv            BLOB NOT NULL,
    created_at     INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    UNIQUE (performance_id, kind, version),
    CHECK ((performance_id IS NULL) <> (period = ''))
);
CREATE UNIQUE INDEX documents_period_version ON documents (period, kind, version) WHERE performance_id IS NULL;
CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents
BEGIN
    SELECT RAISE(ABORT, 'documents are immutable');
END;
CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
BEGIN
    SELECT RAISE(ABORT, 'documents are immutable');
END;
