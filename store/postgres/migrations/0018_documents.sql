-- Documents (issue 17): each a PDF and a CSV, stored immutably with the
-- SHA-256 of both and the moment it describes; a new version supersedes the
-- last of its kind, which stays downloadable.
CREATE TABLE documents (
    id             text PRIMARY KEY,
    performance_id text REFERENCES performances (id), -- NULL: a document of a period
    period         text NOT NULL DEFAULT '',           -- a period's document: its day, YYYY-MM-DD in the venue's zone
    kind           text NOT NULL,
    version        integer NOT NULL CHECK (version >= 1),
    sha256         text NOT NULL,
    as_of          timestamptz NOT NULL,
    supersedes     text REFERENCES documents (id),
    pdf            bytea NOT NULL,
    csv            bytea NOT NULL,
    created_at     timestamptz NOT NULL,
    created_by     text NOT NULL,
    CONSTRAINT documents_version UNIQUE (performance_id, kind, version),
    CONSTRAINT documents_of_one CHECK ((performance_id IS NULL) <> (period = ''))
);
CREATE UNIQUE INDEX documents_period_version ON documents (period, kind, version) WHERE performance_id IS NULL;

CREATE FUNCTION documents_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'documents are immutable';
END $$;
CREATE TRIGGER documents_no_change BEFORE UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_immutable();
