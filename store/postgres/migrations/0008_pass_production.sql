-- Pass production (issue 14, seed 000): the history of every pass's states,
-- holders' photos, print batches, and what a blocked pass was before its
-- block.
--
-- The history is written by a trigger, so no statement that changes a
-- pass's state (a transition, a print, an order voided or refunded, one
-- written later) can forget it, and the row is in the change's own
-- transaction. The writer names itself and its reason in state_by and
-- state_note in the same statement; the trigger takes them into the row and
-- clears them, so a statement that names nobody is recorded as 'system'.
-- The table is append-only: updates and deletes are refused.
ALTER TABLE passes ADD COLUMN blocked_from text NOT NULL DEFAULT '';
ALTER TABLE passes ADD COLUMN state_by text NOT NULL DEFAULT '';
ALTER TABLE passes ADD COLUMN state_note text NOT NULL DEFAULT '';

CREATE TABLE pass_history (
    id         bigserial PRIMARY KEY,
    pass_id    text NOT NULL,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    from_state text NOT NULL,
    to_state   text NOT NULL,
    note       text NOT NULL
);
CREATE INDEX pass_history_pass ON pass_history (pass_id, id);

CREATE FUNCTION pass_history_record() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO pass_history (pass_id, at, actor, from_state, to_state, note)
        VALUES (NEW.id, NEW.updated_at, coalesce(nullif(NEW.state_by, ''), 'system'), '', NEW.state,
                coalesce(nullif(NEW.state_note, ''), 'issued'));
    ELSIF NEW.state IS DISTINCT FROM OLD.state THEN
        INSERT INTO pass_history (pass_id, at, actor, from_state, to_state, note)
        VALUES (NEW.id, NEW.updated_at, coalesce(nullif(NEW.state_by, ''), 'system'), OLD.state, NEW.state, NEW.state_note);
    END IF;
    NEW.state_by := '';
    NEW.state_note := '';
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER passes_history BEFORE INSERT OR UPDATE ON passes FOR EACH ROW EXECUTE FUNCTION pass_history_record();

CREATE FUNCTION pass_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'pass_history is append-only';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER pass_history_append_only BEFORE UPDATE OR DELETE ON pass_history FOR EACH ROW EXECUTE FUNCTION pass_history_append_only();

-- A holder's photo, re-encoded as a JPEG of at most 600 px on its long side,
-- and as printed: a JPEG of at most 320 px (a card's photo at 300 dpi).
CREATE TABLE pass_photos (
    pass_id      text PRIMARY KEY REFERENCES passes (id),
    content_type text NOT NULL,
    data         bytea NOT NULL,
    print_data   bytea NOT NULL,
    width        integer NOT NULL,
    height       integer NOT NULL,
    updated_at   timestamptz NOT NULL
);

CREATE TABLE print_batches (
    id         text PRIMARY KEY,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    count      integer NOT NULL CHECK (count > 0)
);
CREATE INDEX print_batches_created ON print_batches (created_at, id);
CREATE TABLE print_batch_passes (
    batch_id text NOT NULL REFERENCES print_batches (id),
    position integer NOT NULL,
    pass_id  text NOT NULL REFERENCES passes (id),
    PRIMARY KEY (batch_id, position)
);
