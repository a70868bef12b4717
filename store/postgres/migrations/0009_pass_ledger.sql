-- Value cards' balances and their ledger (issue 14). A value or customer
-- card's account is opened at its first use with its opening value; its
-- balance moves only together with a ledger entry, in one transaction, by a
-- statement guarded by the credit limit. The ledger is append-only: a
-- trigger refuses every change and removal of an entry, so the entries of a
-- pass add up to its balance.
CREATE TABLE pass_balances (
    pass_id    text PRIMARY KEY REFERENCES passes (id),
    balance    bigint NOT NULL,
    currency   text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE pass_ledger (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pass_id         text NOT NULL REFERENCES pass_balances (pass_id),
    amount          bigint NOT NULL,
    currency        text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('top_up', 'debit', 'refund', 'transfer')),
    balance_after   bigint NOT NULL,
    by_staff        text NOT NULL DEFAULT '',
    till            text NOT NULL DEFAULT '',
    order_id        text REFERENCES orders (id),
    note            text NOT NULL DEFAULT '',
    idempotency_key text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL
);
CREATE INDEX pass_ledger_pass ON pass_ledger (pass_id, id);
CREATE UNIQUE INDEX pass_ledger_key ON pass_ledger (pass_id, idempotency_key) WHERE idempotency_key <> '';

CREATE FUNCTION pass_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'pass_ledger is append-only';
END
$$;
CREATE TRIGGER pass_ledger_append_only BEFORE UPDATE OR DELETE ON pass_ledger
    FOR EACH ROW EXECUTE FUNCTION pass_ledger_append_only();
