-- Pass production (issue 14, seed 000): the history of every pass's states,
-- holders' photos, print batches, and what a blocked pass was before its
-- block. Times are microseconds since the epoch.
--
-- The history is written by triggers, so no statement that changes a
-- pass's state can forget it, and the row is in the change's own
-- transaction. The writer names itself and its reason in state_by and
-- state_note in the same statement; the trigger takes them into the row and
-- clears them (recursive triggers are off: the clearing update fires none),
-- so a statement that names nobody is recorded as 'system'.
-- The table is append-only: updates and deletes are refused.
ALTER TABLE passes ADD COLUMN blocked_from TEXT NOT NULL DEFAULT '';
ALTER TABLE passes ADD COLUMN state_by TEXT NOT NULL DEFAULT '';
ALTER TABLE passes ADD COLUMN state_note TEXT NOT NULL DEFAULT '';

CREATE TABLE pass_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    pass_id    TEXT NOT NULL,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    note       TEXT NOT NULL
);
CREATE INDEX pass_history_pass ON pass_history (pass_id, id);

CREATE TRIGGER passes_history_insert AFTER INSERT ON passes
BEGIN
    INSERT INTO pass_history (pass_id, at, actor, from_state, to_state, note)
    VALUES (NEW.id, NEW.updated_at, coalesce(nullif(NEW.state_by, ''), 'system'), '', NEW.state,
            coalesce(nullif(NEW.state_note, ''), 'issued'));
    UPDATE passes SET state_by = '', state_note = '' WHERE id = NEW.id AND (state_by <> '' OR state_note <> '');
END;
CREATE TRIGGER passes_history_update AFTER UPDATE ON passes
WHEN NEW.state IS NOT OLD.state OR NEW.state_by <> '' OR NEW.state_note <> ''
BEGIN
    INSERT INTO pass_history (pass_id, at, actor, from_state, to_state, note)
    SELECT NEW.id, NEW.updated_at, coalesce(nullif(NEW.state_by, ''), 'system'), OLD.state, NEW.state, NEW.state_note
    WHERE NEW.state IS NOT OLD.state;
    UPDATE passes SET state_by = '', state_note = '' WHERE id = NEW.id AND (state_by <> '' OR state_note <> '');
END;
CREATE TRIGGER pass_history_no_update BEFORE UPDATE ON pass_history
BEGIN
    SELECT RAISE(ABORT, 'pass_history is append-only');
END;
CREATE TRIGGER pass_history_no_delete BEFORE DELETE ON pass_history
BEGIN
    SELECT RAISE(ABORT, 'pass_history is append-only');
END;

-- A holder's photo, re-encoded as a JPEG of at most 600 px on its long side,
-- and as printed: a JPEG of at most 320 px (a card's photo at 300 dpi).
CREATE TABLE pass_photos (
    pass_id      TEXT PRIMARY KEY REFERENCES passes (id),
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL,
    print_data   BLOB NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE print_batches (
    id         TEXT PRIMARY KEY,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    count      INTEGER NOT NULL CHECK (count > 0)
);
CREATE INDEX print_batches_created ON print_batches (created_at, id);
CREATE TABLE print_batch_passes (
    batch_id TEXT NOT NULL REFERENCES print_batches (id),
    position INTEGER NOT NULL,
    pass_id  TEXT NOT NULL REFERENCES passes (id),
    PRIMARY KEY (batch_id, position)
);
