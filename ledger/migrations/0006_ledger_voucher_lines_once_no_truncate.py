"""PostgreSQL also refuses lines added to a voucher committed earlier, and TRUNCATE of the
posted ledger.

- A voucher records the transaction that wrote it (``created_txid``, the top-level transaction
  id, the same inside savepoints; filled by the database, unknown to the models). At commit the
  deferred check of each new ledger entry, which already reads its voucher, refuses an entry
  whose voucher another transaction wrote: a voucher's lines all come with it. The posting
  service writes the lines before their voucher (``ledger.services._write``), so the check
  cannot run when the line is inserted; at commit the voucher is there. Vouchers written before
  this migration have no transaction id and take no new line either.
- ``TRUNCATE`` (``CASCADE`` included: it truncates these tables too) of vouchers, ledger
  entries and the number sequences is refused; DELETE was refused already.

Only a superuser can get past them (``session_replication_role = replica``, as the test
suite's database flush does). SQLite, the zero-setup default, relies on the posting service.
"""

from django.db import migrations

FORWARD = r"""
ALTER TABLE ledger_voucher ADD COLUMN created_txid bigint

ALTER TABLE ledger_voucher ALTER COLUMN created_txid SET DEFAULT txid_current()

CREATE OR REPLACE FUNCTION ledger_entry_check_voucher() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    -- One probe of the voucher, as before; which rule it broke is looked up only to say so.
    IF EXISTS (
        SELECT 1 FROM ledger_voucher v
        WHERE v.id = NEW.voucher_id
          AND (v.legal_entity_id <> NEW.legal_entity_id OR v.date <> NEW.date
               OR v.created_txid IS DISTINCT FROM txid_current())
    ) THEN
        IF EXISTS (
            SELECT 1 FROM ledger_voucher v
            WHERE v.id = NEW.voucher_id
              AND (v.legal_entity_id <> NEW.legal_entity_id OR v.date <> NEW.date)
        ) THEN
            RAISE EXCEPTION 'ledger entry % does not carry the legal entity and date of voucher %',
                NEW.id, NEW.voucher_id USING ERRCODE = '23514';
        END IF;
        RAISE EXCEPTION 'voucher % was committed earlier: it takes no more lines (entry %)',
            NEW.voucher_id, NEW.id USING ERRCODE = '23514';
    END IF;
    IF EXISTS (
        SELECT 1 FROM ledger_mainaccount a
        WHERE a.id = NEW.account_id AND a.legal_entity_id <> NEW.legal_entity_id
    ) THEN
        RAISE EXCEPTION 'ledger entry % is on a main account of another legal entity', NEW.id
            USING ERRCODE = '23514';
    END IF;
    SELECT currency, SUM(amount) AS amount_sum, SUM(accounting_amount) AS accounting_sum
      INTO bad
      FROM ledger_ledgerentry
     WHERE voucher_id = NEW.voucher_id
     GROUP BY currency
    HAVING SUM(amount) <> 0 OR SUM(accounting_amount) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'voucher % does not balance in %: amounts sum to %, accounting amounts to %',
            NEW.voucher_id, bad.currency, bad.amount_sum, bad.accounting_sum
            USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql

CREATE OR REPLACE FUNCTION ledger_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE of % is not allowed: the posted ledger is never emptied',
        TG_TABLE_NAME USING ERRCODE = '55000';
END
$$ LANGUAGE plpgsql

CREATE TRIGGER ledger_voucher_no_truncate BEFORE TRUNCATE ON ledger_voucher
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate()

CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate()

CREATE TRIGGER ledger_numbersequence_no_truncate BEFORE TRUNCATE ON ledger_numbersequence
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate()
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS ledger_numbersequence_no_truncate ON ledger_numbersequence

DROP TRIGGER IF EXISTS ledger_entry_no_truncate ON ledger_ledgerentry

DROP TRIGGER IF EXISTS ledger_voucher_no_truncate ON ledger_voucher

DROP FUNCTION IF EXISTS ledger_refuse_truncate()

CREATE OR REPLACE FUNCTION ledger_entry_check_voucher() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    IF EXISTS (
        SELECT 1 FROM ledger_voucher v
        WHERE v.id = NEW.voucher_id
          AND (v.legal_entity_id <> NEW.legal_entity_id OR v.date <> NEW.date)
    ) THEN
        RAISE EXCEPTION 'ledger entry % does not carry the legal entity and date of voucher %',
            NEW.id, NEW.voucher_id USING ERRCODE = '23514';
    END IF;
    IF EXISTS (
        SELECT 1 FROM ledger_mainaccount a
        WHERE a.id = NEW.account_id AND a.legal_entity_id <> NEW.legal_entity_id
    ) THEN
        RAISE EXCEPTION 'ledger entry % is on a main account of another legal entity', NEW.id
            USING ERRCODE = '23514';
    END IF;
    SELECT currency, SUM(amount) AS amount_sum, SUM(accounting_amount) AS accounting_sum
      INTO bad
      FROM ledger_ledgerentry
     WHERE voucher_id = NEW.voucher_id
     GROUP BY currency
    HAVING SUM(amount) <> 0 OR SUM(accounting_amount) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'voucher % does not balance in %: amounts sum to %, accounting amounts to %',
            NEW.voucher_id, bad.currency, bad.amount_sum, bad.accounting_sum
            USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql

ALTER TABLE ledger_voucher DROP COLUMN IF EXISTS created_txid
"""


def _run(schema_editor, script: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in script.split("\n\n"):
            if statement.strip():
                cursor.execute(statement)


def forward(apps, schema_editor):
    _run(schema_editor, FORWARD)


def reverse(apps, schema_editor):
    _run(schema_editor, REVERSE)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_fiscal_years_of_existing_entities")]

    operations = [migrations.RunPython(forward, reverse)]
