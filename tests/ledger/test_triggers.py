"""PostgreSQL refuses, on its own, what the posting service would never write."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from ledger.models import LedgerEntry, MainAccount, Voucher
from tests.factories.ledger import post_simple_voucher

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql("the ledger's triggers and CHECK constraints are PostgreSQL's"),
]


def _raw_voucher(entity, lines, number="RAW-1", on=date(2026, 3, 2)):
    """Insert a voucher and its lines with plain SQL, bypassing every check of the service."""
    bank = MainAccount.objects.get(legal_entity=entity, number="110100")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_voucher (legal_entity_id, number, date, description, created_at) "
            "VALUES (%s, %s, %s, '', now()) RETURNING id",
            [entity.pk, number, on],
        )
        voucher_id = cursor.fetchone()[0]
        for currency, amount, accounting_amount, *posting_type in lines:
            cursor.execute(
                "INSERT INTO ledger_ledgerentry (voucher_id, legal_entity_id, date, account_id, "
                "posting_type, currency, amount, accounting_amount, description) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '')",
                [
                    voucher_id,
                    entity.pk,
                    on,
                    bank.pk,
                    (posting_type or ["bank"])[0],
                    currency,
                    amount,
                    accounting_amount,
                ],
            )
    return voucher_id


def test_unbalanced_amounts_refused_at_commit(fabrikam):
    with pytest.raises(IntegrityError, match="does not balance in USD"), transaction.atomic():
        _raw_voucher(fabrikam["FAB"], [("USD", "10.00", "10.00"), ("USD", "-9.99", "-9.99")])
    assert not Voucher.objects.filter(number="RAW-1").exists()


def test_unbalanced_accounting_amounts_refused_at_commit(fabrikam):
    with pytest.raises(IntegrityError, match="does not balance in EUR"), transaction.atomic():
        _raw_voucher(fabrikam["FAB"], [("EUR", "10.00", "12.00"), ("EUR", "-10.00", "-11.99")])


def test_balanced_per_currency_required_not_overall(fabrikam):
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        _raw_voucher(fabrikam["FAB"], [("EUR", "10.00", "12.00"), ("USD", "-12.00", "-12.00")])


def test_balanced_raw_voucher_commits(fabrikam):
    with transaction.atomic():
        _raw_voucher(fabrikam["FAB"], [("EUR", "10.00", "12.00"), ("EUR", "-10.00", "-12.00")])
    assert Voucher.objects.filter(number="RAW-1").exists()


def test_voucher_without_lines_refused_at_commit(fabrikam):
    with pytest.raises(IntegrityError, match="has no lines"), transaction.atomic():
        _raw_voucher(fabrikam["FAB"], [])


def test_entry_with_other_entity_than_voucher_refused(fabrikam):
    fab, fabe = fabrikam["FAB"], fabrikam["FABE"]
    with pytest.raises(IntegrityError, match="legal entity and date"), transaction.atomic():
        voucher_id = _raw_voucher(fab, [("USD", "1.00", "1.00"), ("USD", "-1.00", "-1.00")])
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_ledgerentry (voucher_id, legal_entity_id, date, account_id, "
                "posting_type, currency, amount, accounting_amount, description) "
                "SELECT %s, %s, date, account_id, posting_type, currency, amount, "
                "accounting_amount, '' FROM ledger_ledgerentry WHERE voucher_id = %s",
                [voucher_id, fabe.pk, voucher_id],
            )


def test_update_of_posted_entry_fails(fabrikam):
    voucher = post_simple_voucher(fabrikam["FAB"])
    with (
        pytest.raises(DatabaseError, match="UPDATE of a posted row"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE ledger_ledgerentry SET amount = amount + 1 WHERE voucher_id = %s",
            [voucher.pk],
        )
    with (
        pytest.raises(DatabaseError, match="UPDATE of a posted row"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE ledger_voucher SET description = 'x' WHERE id = %s", [voucher.pk])


def test_delete_of_posted_entry_fails(fabrikam):
    voucher = post_simple_voucher(fabrikam["FAB"])
    with (
        pytest.raises(DatabaseError, match="DELETE of a posted row"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM ledger_ledgerentry WHERE voucher_id = %s", [voucher.pk])
    with (
        pytest.raises(DatabaseError, match="DELETE of a posted row"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM ledger_ledgerentry")
    assert LedgerEntry.objects.filter(voucher=voucher).count() == 2


@pytest.mark.parametrize(
    ("line", "constraint"),
    [
        (("USD", "1.00", "1.00", "intercompany_due_to"), "counterparty_iff_intercompany"),
        (("USD", "1.00", "-1.00", "bank"), "same_sign"),
        (("USD", "0.00", "0.00", "bank"), "not_empty"),
        (("USD", "1.00", "1.00", "no_such_type"), "known_posting_type"),
        (("usd", "1.00", "1.00", "bank"), "currency_code"),
    ],
)
def test_check_constraints_on_lines(fabrikam, line, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        _raw_voucher(fabrikam["FAB"], [line])


def _add_balanced_lines(voucher_id: int) -> None:
    """Two more lines, balanced between themselves, copied from the voucher's first line."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_ledgerentry (voucher_id, legal_entity_id, date, account_id, "
            "posting_type, currency, amount, accounting_amount, description) "
            "SELECT voucher_id, legal_entity_id, date, account_id, posting_type, currency, "
            "s * 5, s * 5, 'added' FROM ledger_ledgerentry, (VALUES (1), (-1)) AS sign(s) "
            "WHERE voucher_id = %s AND id = (SELECT min(id) FROM ledger_ledgerentry "
            "WHERE voucher_id = %s)",
            [voucher_id, voucher_id],
        )


def test_lines_added_to_committed_voucher_refused(fabrikam):
    voucher = post_simple_voucher(fabrikam["FAB"])  # commits
    with pytest.raises(IntegrityError, match="committed earlier"), transaction.atomic():
        _add_balanced_lines(voucher.pk)
    with (
        pytest.raises(IntegrityError, match="committed earlier"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _add_balanced_lines(voucher.pk)
    assert LedgerEntry.objects.filter(voucher=voucher).count() == 2


def test_lines_added_in_the_vouchers_own_transaction_commit(fabrikam):
    with transaction.atomic():
        voucher_id = _raw_voucher(
            fabrikam["FAB"], [("USD", "1.00", "1.00"), ("USD", "-1.00", "-1.00")]
        )
        with transaction.atomic():  # a savepoint: the same top-level transaction
            _add_balanced_lines(voucher_id)
    assert LedgerEntry.objects.filter(voucher_id=voucher_id).count() == 4


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE ledger_ledgerentry CASCADE",
        "TRUNCATE ledger_voucher CASCADE",
        "TRUNCATE ledger_numbersequence",
        "TRUNCATE entities_legalentity CASCADE",
    ],
)
def test_truncate_of_ledger_refused(fabrikam, statement):
    voucher = post_simple_voucher(fabrikam["FAB"])
    with (
        pytest.raises(DatabaseError, match=r"TRUNCATE of ledger_\w+ is not allowed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert LedgerEntry.objects.filter(voucher=voucher).count() == 2
    assert Voucher.objects.filter(legal_entity=fabrikam["FAB"]).count() == 1


def test_posting_settling_and_bulk_payments_commit_under_the_triggers(fabrikam):
    from receivables.services import PaymentInput, payments_post
    from settlement.services import SettlementLineInput, settlement_create
    from tests.factories.receivables import post_invoice, post_payment

    fab, fabe = fabrikam["FAB"], fabrikam["FABE"]
    customers = fabrikam["customers"]
    invoice = post_invoice(customers["FABE"], amounts=["600.00"])
    payment = post_payment(customers["FAB"], amount="600.00")
    settlement = settlement_create(
        lines=[
            SettlementLineInput(transaction=payment.open_transaction.pk),
            SettlementLineInput(transaction=invoice.open_transaction.pk),
        ],
        on=date(2026, 3, 9),
        primary=None,
        actor=None,
    )
    payments = payments_post(
        inputs=[
            PaymentInput(
                legal_entity=fab, customer=customers["FAB"], date=date(2026, 3, 10), amount=amount
            )
            for amount in (Decimal("10.00"), Decimal("20.00"), Decimal("30.00"))
        ],
        actor=None,
    )
    assert settlement.vouchers.count() == 2
    assert len(payments) == 3
    # invoice, payment, two settlement vouchers, three payments: each with its own lines
    assert Voucher.objects.filter(legal_entity__in=[fab, fabe]).count() == 7
    for voucher in Voucher.objects.all():
        assert voucher.lines.count() >= 2
