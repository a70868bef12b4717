-- Documents (issue 17): see the Postgres migration. Times are Unix
-- microseconds.
CREATE TABLE documents (
    id             TEXT PRIMARY KEY,
    performance_id TEXT NOT NULL REFERENCES performances (id),
    kind           TEXT NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    sha256         TEXT NOT NULL,
    as_of          INTEGER NOT NULL,
    supersedes     TEXT REFERENCES documents (id),
    pdf            BLOB NOT NULL,
    csv            BLOB NOT NULL,
    created_at     INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    UNIQUE (performance_id, kind, version)
);
CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents
BEGIN
    SELECT RAISE(ABORT, 'documents are immutable');
END;
CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
BEGIN
    SELECT RAISE(ABORT, 'documents are immutable');
END;
