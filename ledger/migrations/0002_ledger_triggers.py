"""PostgreSQL keeps the ledger sound on its own, whatever writes to it.

- At commit (deferred constraint triggers), every voucher must have lines, each line must carry its
  voucher's legal entity and date, and per transaction currency both ``amount`` and
  ``accounting_amount`` must sum to zero.
- Posted vouchers and entries are never updated or deleted: a mistake is reversed instead.

SQLite, the zero-setup default, relies on the posting service's own checks.
"""

from django.db import migrations

FORWARD = r"""
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
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_entry_voucher_balanced
    AFTER INSERT ON ledger_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_check_voucher();

CREATE OR REPLACE FUNCTION ledger_voucher_check_lines() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ledger_ledgerentry WHERE voucher_id = NEW.id) THEN
        RAISE EXCEPTION 'voucher % has no lines', NEW.id USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_voucher_has_lines
    AFTER INSERT ON ledger_voucher
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_voucher_check_lines();

CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% of a posted row of % is not allowed: post a reversing voucher instead',
        TG_OP, TG_TABLE_NAME USING ERRCODE = '55000';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_entry_immutable
    BEFORE UPDATE OR DELETE ON ledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TRIGGER ledger_voucher_immutable
    BEFORE UPDATE OR DELETE ON ledger_voucher
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS ledger_voucher_immutable ON ledger_voucher;
DROP TRIGGER IF EXISTS ledger_entry_immutable ON ledger_ledgerentry;
DROP FUNCTION IF EXISTS ledger_refuse_change();
DROP TRIGGER IF EXISTS ledger_voucher_has_lines ON ledger_voucher;
DROP FUNCTION IF EXISTS ledger_voucher_check_lines();
DROP TRIGGER IF EXISTS ledger_entry_voucher_balanced ON ledger_ledgerentry;
DROP FUNCTION IF EXISTS ledger_entry_check_voucher();
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
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
