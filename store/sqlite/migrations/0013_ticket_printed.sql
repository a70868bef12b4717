-- Hard tickets (issue 16): the box office prints a paid order's tickets; a
-- ticket keeps when it was first printed, Unix microseconds (reprints are in
-- the order's history).
ALTER TABLE tickets ADD COLUMN printed_at INTEGER;
