-- Fares (issue 16): a performance's prices per zone. The normal fare is the
-- zones' prices (performances.zones); staff add reduced fares (a price per
-- zone, in prices) and free fares (0 everywhere), some for staff only. A
-- performance with no rows here has the normal fare alone. A ticket keeps
-- the fare it was sold at, by id and name; tickets sold before are normal.
CREATE TABLE performance_fares (
    performance_id text NOT NULL REFERENCES performances (id) ON DELETE CASCADE,
    fare_id        text NOT NULL,
    position       integer NOT NULL,
    name           text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('normal', 'reduced', 'free')),
    staff_only     boolean NOT NULL DEFAULT false,
    prices         jsonb NOT NULL DEFAULT '{}', -- zone id -> minor units (reduced fares)
    PRIMARY KEY (performance_id, fare_id)
);
-- Existing performances: one normal fare per zone.
INSERT INTO performance_fares (performance_id, fare_id, position, name, kind)
SELECT id, 'normal', 0, 'Normal', 'normal' FROM performances;

ALTER TABLE tickets ADD COLUMN fare text NOT NULL DEFAULT 'normal';
ALTER TABLE tickets ADD COLUMN fare_name text NOT NULL DEFAULT 'Normal';
