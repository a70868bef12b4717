-- Background jobs on a performance (issue 16: cancel; later replace and
-- reschedule): one job of a kind per performance, so a second request finds
-- the first; a running job is resumed on start.
CREATE TABLE jobs (
    id             text PRIMARY KEY,
    kind           text NOT NULL,
    performance_id text NOT NULL REFERENCES performances (id),
    state          text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    done           integer NOT NULL DEFAULT 0,
    total          integer NOT NULL DEFAULT 0,
    failed         integer NOT NULL DEFAULT 0,
    reason         text NOT NULL DEFAULT '',
    error          text NOT NULL DEFAULT '',
    created_by     text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX jobs_kind_performance ON jobs (kind, performance_id);
CREATE INDEX jobs_running ON jobs (created_at) WHERE state = 'running';
