-- Times are Unix microseconds, zones JSON arrays (see store/postgres).
-- The gate (issue 15): gates, what the gates remember of each code (its
-- usage, as package gate encodes it), every scan with its verdict, who is
-- inside each zone, and surcharges paid at the till. A scan's decision and
-- its record are one transaction under a lock on the code's usage row, so
-- two gates scanning one code decide one after the other.
CREATE TABLE gates (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    zones          TEXT NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('in', 'out', 'both')),
    performance_id TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
);

CREATE TABLE gate_usage (
    code       TEXT PRIMARY KEY,
    usage      TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE scans (
    id            TEXT PRIMARY KEY,
    gate_id       TEXT NOT NULL REFERENCES gates (id),
    nonce         TEXT NOT NULL,
    code          TEXT NOT NULL,
    direction     TEXT NOT NULL,
    at            INTEGER NOT NULL,
    verdict       TEXT NOT NULL,
    reason        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    pass_id       TEXT NOT NULL,
    ticket_id     TEXT NOT NULL,
    holder        TEXT NOT NULL,
    retry_at      INTEGER,
    surcharge_due INTEGER NOT NULL DEFAULT 0,
    remaining     integer,
    debit         INTEGER NOT NULL DEFAULT 0,
    offline       INTEGER NOT NULL,
    device        TEXT NOT NULL,
    conflict      TEXT NOT NULL,
    by_staff      TEXT NOT NULL,
    recorded_at   INTEGER NOT NULL,
    CONSTRAINT scans_nonce UNIQUE (gate_id, nonce)
);
CREATE INDEX scans_recorded ON scans (recorded_at, id);
CREATE INDEX scans_code ON scans (code, recorded_at);

CREATE TABLE zone_occupancy (
    zone   TEXT PRIMARY KEY,
    inside INTEGER NOT NULL
);

CREATE TABLE surcharges (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    code    TEXT NOT NULL,
    amount  INTEGER NOT NULL CHECK (amount > 0),
    by_staff TEXT NOT NULL,
    paid_at INTEGER NOT NULL
);
