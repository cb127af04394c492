"""The database also refuses a ledger entry on another legal entity's main account."""

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
$$ LANGUAGE plpgsql;
"""

REVERSE = r"""
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
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_ledger_triggers")]

    operations = [migrations.RunPython(forward, reverse)]
