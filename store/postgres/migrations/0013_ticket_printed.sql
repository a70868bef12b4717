-- Hard tickets (issue 16): the box office prints a paid order's tickets; a
-- ticket keeps when it was first printed (reprints are in the order's
-- history). Rescheduling depends on it: a printed ticket stays valid for the
-- new date.
ALTER TABLE tickets ADD COLUMN printed_at timestamptz;
