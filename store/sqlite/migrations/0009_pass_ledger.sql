-- Value cards' balances and their ledger (issue 14). A value or customer
-- card's account is opened at its first use with its opening value; its
-- balance moves only together with a ledger entry, in one transaction, by a
-- statement guarded by the credit limit. The ledger is append-only: triggers
-- refuse every change and removal of an entry, so the entries of a pass add
-- up to its balance. Times are unix microseconds.
CREATE TABLE pass_balances (
    pass_id    TEXT PRIMARY KEY REFERENCES passes (id),
    balance    INTEGER NOT NULL,
    currency   TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE pass_ledger (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    pass_id         TEXT NOT NULL REFERENCES pass_balances (pass_id),
    amount          INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('top_up', 'debit', 'refund', 'transfer')),
    balance_after   INTEGER NOT NULL,
    by_staff        TEXT NOT NULL DEFAULT '',
    till            TEXT NOT NULL DEFAULT '',
    order_id        TEXT REFERENCES orders (id),
    note            TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);
CREATE INDEX pass_ledger_pass ON pass_ledger (pass_id, id);
CREATE UNIQUE INDEX pass_ledger_key ON pass_ledger (pass_id, idempotency_key) WHERE idempotency_key <> '';

CREATE TRIGGER pass_ledger_no_update BEFORE UPDATE ON pass_ledger
BEGIN
    SELECT RAISE(ABORT, 'pass_ledger is append-only');
END;
CREATE TRIGGER pass_ledger_no_delete BEFORE DELETE ON pass_ledger
BEGIN
    SELECT RAISE(ABORT, 'pass_ledger is append-only');
END;
