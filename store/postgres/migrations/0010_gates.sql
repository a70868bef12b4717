-- The gate (issue 15): gates, what the gates remember of each code (its
-- usage, as package gate encodes it), every scan with its verdict, who is
-- inside each zone, and surcharges paid at the till. A scan's decision and
-- its record are one transaction under a lock on the code's usage row, so
-- two gates scanning one code decide one after the other.
CREATE TABLE gates (
    id             text PRIMARY KEY,
    name           text NOT NULL,
    zones          text[] NOT NULL,
    direction      text NOT NULL CHECK (direction IN ('in', 'out', 'both')),
    performance_id text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL
);

CREATE TABLE gate_usage (
    code       text PRIMARY KEY,
    usage      jsonb NOT NULL,
    version    integer NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE scans (
    id            text PRIMARY KEY,
    gate_id       text NOT NULL REFERENCES gates (id),
    nonce         text NOT NULL,
    code          text NOT NULL,
    direction     text NOT NULL,
    at            timestamptz NOT NULL,
    verdict       text NOT NULL,
    reason        text NOT NULL,
    kind          text NOT NULL,
    pass_id       text NOT NULL,
    ticket_id     text NOT NULL,
    holder        text NOT NULL,
    retry_at      timestamptz,
    surcharge_due bigint NOT NULL DEFAULT 0,
    remaining     integer,
    debit         bigint NOT NULL DEFAULT 0,
    offline       boolean NOT NULL,
    device        text NOT NULL,
    conflict      text NOT NULL,
    by_staff      text NOT NULL,
    recorded_at   timestamptz NOT NULL,
    CONSTRAINT scans_nonce UNIQUE (gate_id, nonce)
);
CREATE INDEX scans_recorded ON scans (recorded_at, id);
CREATE INDEX scans_code ON scans (code, recorded_at);

CREATE TABLE zone_occupancy (
    zone   text PRIMARY KEY,
    inside integer NOT NULL
);

CREATE TABLE surcharges (
    id      bigserial PRIMARY KEY,
    code    text NOT NULL,
    amount  bigint NOT NULL CHECK (amount > 0),
    by_staff text NOT NULL,
    paid_at timestamptz NOT NULL
);
