-- Background jobs on a performance (issue 16: cancel; later replace and
-- reschedule): one job of a kind per performance, so a second request finds
-- the first; a running job is resumed on start.
CREATE TABLE jobs (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    performance_id TEXT NOT NULL REFERENCES performances (id),
    state          TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    done           INTEGER NOT NULL DEFAULT 0,
    total          INTEGER NOT NULL DEFAULT 0,
    failed         INTEGER NOT NULL DEFAULT 0,
    reason         TEXT NOT NULL DEFAULT '',
    error          TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX jobs_kind_performance ON jobs (kind, performance_id);
CREATE INDEX jobs_running ON jobs (created_at) WHERE state = 'running';
