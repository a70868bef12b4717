-- Fencing tokens of performance owners (issue 18). Each node that takes a
-- performance over writes the token its Redis ownership lease gave it, before
-- it serves; a token only grows. Every write that depends on the owner's
-- engine shard (an order, a paint stroke, the status) first calls
-- seatmap_fence, in its own transaction: a write whose token is not the
-- current one fails with SQLSTATE SMF01 and writes nothing. The FOR SHARE
-- lock makes a takeover (an UPDATE of the row) wait for the old owner's
-- writes already under way, and every write after it see the new token: the
-- new owner rebuilds its shard only after that, so it sees all of them.
CREATE TABLE performance_fences (
    performance_id text PRIMARY KEY,
    token bigint NOT NULL CHECK (token > 0),
    node text NOT NULL,
    taken_at timestamptz NOT NULL
);

CREATE FUNCTION seatmap_fence(perf text, tok bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    cur bigint;
BEGIN
    SELECT token INTO cur FROM performance_fences WHERE performance_id = perf FOR SHARE;
    IF cur IS DISTINCT FROM tok THEN
        RAISE EXCEPTION 'performance % is owned under token %, not %', perf, cur, tok
            USING ERRCODE = 'SMF01';
    END IF;
    RETURN true;
END
$$;
