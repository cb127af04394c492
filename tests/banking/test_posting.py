from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from banking.exceptions import LineConflict, LineInvalid
from banking.models import BankStatement, BankStatementLine
from banking.selectors import bank_account_reconciliation
from banking.services.lines import (
    MarkedInput,
    line_customer_set,
    line_posting_type_set,
    line_proposal_accept,
    line_status_set,
    line_transactions_mark,
    statement_warnings_resolve,
)
from banking.services.posting import line_post, statement_post
from banking.services.returns import returns_match
from ledger.models import LedgerEntry
from ledger.selectors import ledger_integrity_problems
from receivables.models import DocumentStatus, OpenTransaction, Payment
from settlement.models import Settlement
from tests.conftest import make_clerk
from tests.factories.entities import CustomerFactory, PartyFactory
from tests.factories.receivables import post_invoice

from .helpers import line, statement_with

pytestmark = pytest.mark.django_db
D = Decimal
Status = BankStatementLine.Status


def ot_of(document) -> OpenTransaction:
    return OpenTransaction.objects.get(pk=document.open_transaction.pk)


def entries(voucher_ids) -> dict:
    rows = {}
    for e in LedgerEntry.objects.filter(voucher_id__in=voucher_ids).select_related(
        "legal_entity", "account", "counterparty"
    ):
        key = (e.legal_entity.code, e.account.number)
        rows[key] = rows.get(key, D(0)) + e.amount
    return {k: v for k, v in rows.items() if v != 0}


def test_line_post_pays_another_entitys_invoice_as_a_centralized_payment_a1(bank, admin_user):
    invoice = post_invoice(bank["customers"]["FABE"], amounts=("600.00",))
    statement = statement_with(bank, [{"amount": "600.00", "remittance_info": "FABE inv"}])
    first = line(statement, 1)
    line_transactions_mark(
        line=first, transactions=[MarkedInput(ot_of(invoice).pk)], actor=admin_user
    )
    posted = line_post(line=first, actor=admin_user)

    assert posted.status == Status.POSTED
    payment = posted.payment
    assert (payment.legal_entity.code, payment.customer.account, payment.amount) == (
        "FAB",
        "4000",
        D("600.00"),
    )
    # The payment's bank line goes to the bank account's main account.
    assert entries([payment.voucher_id]) == {
        ("FAB", "110200"): D("600.00"),
        ("FAB", "130100"): D("-600.00"),
    }
    # The settlement posts A1 exactly.
    settlement = posted.settlement
    assert entries(settlement.vouchers.values_list("pk", flat=True)) == {
        ("FAB", "130100"): D("600.00"),
        ("FAB", "245000-FABE"): D("-600.00"),
        ("FABE", "145000-FAB"): D("600.00"),
        ("FABE", "130100"): D("-600.00"),
    }
    assert ot_of(invoice).open_amount == 0
    assert OpenTransaction.objects.get(payment=payment).open_amount == 0
    assert ledger_integrity_problems() == []


def test_line_post_twice_returns_the_first_result(bank, admin_user):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("100.00",))
    statement = statement_with(bank, [{"amount": "100.00"}])
    first = line(statement, 1)
    line_transactions_mark(
        line=first, transactions=[MarkedInput(ot_of(invoice).pk)], actor=admin_user
    )
    once = line_post(line=first, actor=admin_user)
    again = line_post(line=first, actor=admin_user)
    assert again.payment_id == once.payment_id
    assert Payment.objects.count() == 1
    assert Settlement.objects.count() == 1


def test_line_post_with_cash_discount_on_the_value_date(bank, admin_user):
    from tests.factories.entities import CashDiscountFactory

    discount = CashDiscountFactory(code="2P10")
    invoice = post_invoice(
        bank["customers"]["FAB"], amounts=("100.00",), on=date(2026, 3, 2), cash_discount=discount
    )
    statement = statement_with(bank, [{"amount": "98.00", "value_date": date(2026, 3, 10)}])
    first = line(statement, 1)
    marked = line_transactions_mark(
        line=first, transactions=[MarkedInput(ot_of(invoice).pk)], actor=admin_user
    )
    assert marked.marked == [
        {
            "transaction": ot_of(invoice).pk,
            "amount": "98.00",
            "cash_discount": "2.00",
            "full_settlement": False,
            "credit": False,
        }
    ]
    line_post(line=first, actor=admin_user)
    assert ot_of(invoice).open_amount == 0


def test_statement_post_records_a_conflict_and_goes_on(bank, admin_user):
    customer = bank["customers"]["FAB"]
    one = post_invoice(customer, amounts=("100.00",))
    two = post_invoice(customer, amounts=("50.00",))
    statement = statement_with(bank, [{"amount": "100.00"}, {"amount": "50.00"}])
    line_transactions_mark(
        line=line(statement, 1), transactions=[MarkedInput(ot_of(one).pk)], actor=admin_user
    )
    line_transactions_mark(
        line=line(statement, 2), transactions=[MarkedInput(ot_of(two).pk)], actor=admin_user
    )
    # Someone settles the first invoice by hand meanwhile.
    from receivables.services import PaymentInput, payments_post
    from settlement.services import SettlementLineInput, settlement_create

    (manual,) = payments_post(
        inputs=[
            PaymentInput(
                legal_entity=bank["FAB"], customer=customer, date=bank["on"], amount=D("100")
            )
        ],
        actor=admin_user,
    )
    settlement_create(
        lines=[
            SettlementLineInput(OpenTransaction.objects.get(payment=manual).pk),
            SettlementLineInput(ot_of(one).pk),
        ],
        on=bank["on"],
        primary=None,
        actor=admin_user,
    )

    results = statement_post(statement=statement, actor=admin_user)

    assert [r.line.status for r in results] == [Status.MATCHED, Status.POSTED]
    assert results[0].error is not None
    assert "FAB-INV" in results[0].error.message
    assert line(statement, 1).error == results[0].error.message
    assert line(statement, 1).payment_id is None
    assert Payment.objects.count() == 2  # the manual one and line 2's
    assert ot_of(two).open_amount == 0


def test_line_posting_type_posts_bank_charges(bank, admin_user):
    statement = statement_with(bank, [{"amount": "-4.50", "remittance_info": "Fees March"}])
    first = line(statement, 1)
    line_posting_type_set(line=first, posting_type="bank_charges", actor=admin_user)
    posted = line_post(line=first, actor=admin_user)
    assert entries([posted.voucher_id]) == {
        ("FAB", "110200"): D("-4.50"),
        ("FAB", "605000"): D("4.50"),
    }


def test_line_posting_type_refuses_customer_balance(bank, admin_user):
    statement = statement_with(bank, [{"amount": "-4.50"}])
    with pytest.raises(LineInvalid, match="'customer_balance' is not a posting type"):
        line_posting_type_set(
            line=line(statement, 1), posting_type="customer_balance", actor=admin_user
        )


def test_line_customer_posts_a_payment_on_account_left_open(bank, admin_user):
    statement = statement_with(bank, [{"amount": "75.00"}])
    first = line(statement, 1)
    line_customer_set(line=first, customer=bank["customers"]["FAB"], actor=admin_user)
    posted = line_post(line=first, actor=admin_user)
    assert posted.settlement_id is None
    assert OpenTransaction.objects.get(payment=posted.payment).open_amount == D("-75.00")


def test_debit_line_with_customer_posts_a_refund(bank, admin_user):
    statement = statement_with(bank, [{"amount": "-20.00"}])
    first = line(statement, 1)
    line_customer_set(line=first, customer=bank["customers"]["FAB"], actor=admin_user)
    posted = line_post(line=first, actor=admin_user)
    assert posted.refund.amount == D("20.00")
    assert entries([posted.refund.voucher_id]) == {
        ("FAB", "110200"): D("-20.00"),
        ("FAB", "130100"): D("20.00"),
    }


def test_line_customer_of_another_entity_is_refused(bank, admin_user):
    statement = statement_with(bank, [{"amount": "75.00"}])
    with pytest.raises(LineInvalid, match="Customer 4000 is not in FAB"):
        line_customer_set(
            line=line(statement, 1), customer=bank["customers"]["FABE"], actor=admin_user
        )


def test_mark_refuses_another_partys_transaction_in_the_same_line(bank, admin_user):
    other = CustomerFactory(legal_entity=bank["FAB"], account="5000", party=PartyFactory())
    mine = post_invoice(bank["customers"]["FAB"], amounts=("10.00",))
    theirs = post_invoice(other, amounts=("10.00",))
    statement = statement_with(bank, [{"amount": "20.00"}])
    with pytest.raises(LineInvalid, match=r"transactions\[1\]: .* one line settles one party"):
        line_transactions_mark(
            line=line(statement, 1),
            transactions=[MarkedInput(ot_of(mine).pk), MarkedInput(ot_of(theirs).pk)],
            actor=admin_user,
        )
    assert line(statement, 1).marked == []


def test_mark_refuses_a_transaction_of_an_entity_not_granted(bank):
    clerk = make_clerk("fab-only", bank["FAB"])
    invoice = post_invoice(bank["customers"]["FABE"], amounts=("10.00",))
    statement = statement_with(bank, [{"amount": "10.00"}])
    with pytest.raises(LineInvalid, match=r"transactions\[0\]: transaction \d+ does not exist"):
        line_transactions_mark(
            line=line(statement, 1), transactions=[MarkedInput(ot_of(invoice).pk)], actor=clerk
        )


def test_mark_refuses_an_amount_above_the_line(bank, admin_user):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("100.00",))
    statement = statement_with(bank, [{"amount": "40.00"}])
    with pytest.raises(LineInvalid, match=r"100.00 is more than the line has left \(40.00\)"):
        line_transactions_mark(
            line=line(statement, 1),
            transactions=[MarkedInput(ot_of(invoice).pk, amount=D("100.00"))],
            actor=admin_user,
        )


def test_mark_without_amount_takes_what_the_line_has(bank, admin_user):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("100.00",))
    statement = statement_with(bank, [{"amount": "40.00"}])
    first = line(statement, 1)
    line_transactions_mark(
        line=first, transactions=[MarkedInput(ot_of(invoice).pk)], actor=admin_user
    )
    line_post(line=first, actor=admin_user)
    assert ot_of(invoice).open_amount == D("60.00")


def test_mark_refuses_a_transaction_another_line_took(bank, admin_user):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("100.00",))
    statement = statement_with(bank, [{"amount": "100.00"}, {"amount": "100.00"}])
    line_transactions_mark(
        line=line(statement, 1), transactions=[MarkedInput(ot_of(invoice).pk)], actor=admin_user
    )
    with pytest.raises(LineConflict, match="line 1 of this statement already takes FAB-INV"):
        line_transactions_mark(
            line=line(statement, 2),
            transactions=[MarkedInput(ot_of(invoice).pk)],
            actor=admin_user,
        )


def test_proposal_accept_marks_its_transactions(bank, admin_user):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("100.00",))
    statement = statement_with(bank, [{"amount": "100.00"}])
    BankStatementLine.objects.filter(statement=statement).update(
        status=Status.SUGGESTED,
        proposals=[
            {
                "rule": "name_amount",
                "confidence": 70,
                "reason": "by hand",
                "customer": bank["customers"]["FAB"].pk,
                "tie": False,
                "transactions": [
                    {"transaction": ot_of(invoice).pk, "amount": "100.00", "cash_discount": "0"}
                ],
            }
        ],
    )
    accepted = line_proposal_accept(line=line(statement, 1), actor=admin_user)
    assert accepted.status == Status.MATCHED
    assert accepted.marked[0]["transaction"] == ot_of(invoice).pk


def test_ignored_line_is_not_posted_and_counts_as_done(bank, admin_user):
    statement = statement_with(bank, [{"amount": "1.00"}])
    first = line_status_set(line=line(statement, 1), status=Status.IGNORED, actor=admin_user)
    with pytest.raises(LineInvalid, match="The line is ignored"):
        line_post(line=first, actor=admin_user)
    statement.refresh_from_db()
    assert statement.status == BankStatement.Status.RECONCILED


def test_returned_direct_debit_reopens_the_invoice_and_books_the_fee(bank, admin_user):
    from receivables.services import PaymentInput, payments_post
    from settlement.services import SettlementLineInput, settlement_create

    customer = bank["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=("600.00",))
    (collected,) = payments_post(
        inputs=[
            PaymentInput(
                legal_entity=bank["FAB"],
                customer=customer,
                date=date(2026, 3, 5),
                amount=D("600.00"),
                bank_ledger_account=bank["main"],
                end_to_end_id="E2E-0001",
            )
        ],
        actor=admin_user,
    )
    settlement_create(
        lines=[
            SettlementLineInput(OpenTransaction.objects.get(payment=collected).pk),
            SettlementLineInput(ot_of(invoice).pk),
        ],
        on=date(2026, 3, 5),
        primary=None,
        actor=admin_user,
    )
    assert ot_of(invoice).open_amount == 0
    statement = statement_with(
        bank,
        [{"amount": "-603.50", "end_to_end_id": "E2E-0001", "return_reason": "AM04"}],
        opening="600.00",
    )
    assert returns_match(statement=statement) == 1
    returned = line(statement, 1)
    assert returned.status == Status.MATCHED
    assert returned.proposals[0]["rule"] == "return"
    assert "reason AM04" in returned.proposals[0]["reason"]

    posted = line_post(line=returned, actor=admin_user)

    assert ot_of(invoice).open_amount == D("600.00")
    collected.refresh_from_db()
    assert collected.status == DocumentStatus.REVERSED
    assert entries([posted.voucher_id]) == {
        ("FAB", "605000"): D("3.50"),
        ("FAB", "110200"): D("-3.50"),
    }
    # The bank account: +600 collected, -600 returned, -3.50 fee.
    reconciliation = bank_account_reconciliation(bank_account=bank["account"], on=bank["on"])
    assert reconciliation.ledger_balance == D("-3.50")
    assert ledger_integrity_problems() == []


def test_reconciliation_after_every_line_is_posted(bank, admin_user):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("250.00",))
    statement = statement_with(bank, [{"amount": "250.00"}, {"amount": "-2.00"}])
    before = bank_account_reconciliation(bank_account=bank["account"], on=bank["on"])
    assert (before.ledger_balance, before.statement_balance, before.lines_not_posted) == (
        D("0"),
        D("248.00"),
        2,
    )
    assert not before.reconciled
    line_transactions_mark(
        line=line(statement, 1), transactions=[MarkedInput(ot_of(invoice).pk)], actor=admin_user
    )
    line_posting_type_set(line=line(statement, 2), posting_type="bank_charges", actor=admin_user)
    statement_post(statement=statement, actor=admin_user)

    after = bank_account_reconciliation(bank_account=bank["account"], on=bank["on"])
    assert (after.ledger_balance, after.difference, after.lines_not_posted) == (
        D("248.00"),
        D("0"),
        0,
    )
    assert after.reconciled
    statement.refresh_from_db()
    assert statement.status == BankStatement.Status.RECONCILED


def test_balance_warnings_block_reconciliation_until_resolved(bank, admin_user):
    statement = statement_with(bank, [{"amount": "1.00"}])
    statement.balance_warnings = ["Opening balance 0.00 plus the lines 1.00 is 1.00, not 2.00."]
    statement.save()
    line_posting_type_set(line=line(statement, 1), posting_type="interest", actor=admin_user)
    statement_post(statement=statement, actor=admin_user)
    statement.refresh_from_db()
    assert statement.status == BankStatement.Status.OPEN
    assert (
        bank_account_reconciliation(
            bank_account=bank["account"], on=bank["on"]
        ).statements_with_warnings
        == 1
    )
    statement_warnings_resolve(
        statement=statement, note="Bank confirmed the closing balance", actor=admin_user
    )
    statement.refresh_from_db()
    assert statement.status == BankStatement.Status.RECONCILED


@pytest.mark.parametrize(
    ("paid", "invoice_open", "payment_open", "difference"),
    [
        ("999.90", "0.00", "0.00", "0.10"),  # B5: 0.10 short, within 0.50
        ("999.40", "0.60", "0.00", None),  # beyond the tolerance: stays open
        ("1000.30", "0.00", "0.00", "-0.30"),  # 0.30 over, within 0.50
        ("1000.70", "0.00", "-0.70", None),  # beyond: the rest stays on account
    ],
)
def test_line_post_within_tolerance_closes_the_invoice(
    bank, admin_user, paid, invoice_open, payment_open, difference
):
    from entities.services import legal_entity_update

    legal_entity_update(
        legal_entity=bank["FAB"],
        data={"max_underpayment": D("0.50"), "max_overpayment": D("0.50")},
        actor=admin_user,
    )
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("1000.00",))
    statement = statement_with(bank, [{"amount": paid}])
    first = line(statement, 1)
    line_transactions_mark(
        line=first, transactions=[MarkedInput(ot_of(invoice).pk)], actor=admin_user
    )
    posted = line_post(line=first, actor=admin_user)
    assert ot_of(invoice).open_amount == D(invoice_open)
    assert OpenTransaction.objects.get(payment=posted.payment).open_amount == D(payment_open)
    differences = LedgerEntry.objects.filter(
        voucher__in=posted.settlement.vouchers.all(), posting_type="payment_difference"
    )
    assert sum(e.amount for e in differences) == (D(difference) if difference else 0)


def test_line_with_a_credit_note_closes_more_than_the_line(bank, admin_user):
    from tests.factories.receivables import post_credit_note

    customer = bank["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=("100.00",))
    credit_note = post_credit_note(customer, amounts=("20.00",))
    statement = statement_with(bank, [{"amount": "80.00"}])
    first = line(statement, 1)
    marked = line_transactions_mark(
        line=first,
        transactions=[MarkedInput(ot_of(invoice).pk), MarkedInput(ot_of(credit_note).pk)],
        actor=admin_user,
    )
    assert [(m["amount"], m["credit"]) for m in marked.marked] == [
        ("100.00", False),
        ("20.00", True),
    ]
    line_post(line=first, actor=admin_user)
    assert ot_of(invoice).open_amount == 0
    assert ot_of(credit_note).open_amount == 0
    assert ledger_integrity_problems() == []


def test_mark_refuses_a_debit_the_line_has_nothing_left_for(bank, admin_user):
    customer = bank["customers"]["FAB"]
    one = post_invoice(customer, amounts=("100.00",))
    two = post_invoice(customer, amounts=("50.00",))
    statement = statement_with(bank, [{"amount": "100.00"}])
    with pytest.raises(LineInvalid, match=r"transactions\[1\]: nothing of the line is left for"):
        line_transactions_mark(
            line=line(statement, 1),
            transactions=[MarkedInput(ot_of(one).pk), MarkedInput(ot_of(two).pk)],
            actor=admin_user,
        )


def test_overpayment_tolerance_is_the_payment_entitys(bank, admin_user):
    """A FABE invoice paid 0.30 over into FAB's account: FAB's tolerance closes it."""
    from entities.services import legal_entity_update

    legal_entity_update(
        legal_entity=bank["FAB"], data={"max_overpayment": D("0.50")}, actor=admin_user
    )
    invoice = post_invoice(bank["customers"]["FABE"], amounts=("100.00",))
    statement = statement_with(bank, [{"amount": "100.30"}])
    first = line(statement, 1)
    line_transactions_mark(
        line=first, transactions=[MarkedInput(ot_of(invoice).pk)], actor=admin_user
    )
    posted = line_post(line=first, actor=admin_user)
    assert ot_of(invoice).open_amount == 0
    assert OpenTransaction.objects.get(payment=posted.payment).open_amount == 0


def test_changing_a_returned_debit_line_no_longer_returns_the_payment(bank, admin_user):
    from receivables.services import PaymentInput, payments_post

    customer = bank["customers"]["FAB"]
    (collected,) = payments_post(
        inputs=[
            PaymentInput(
                legal_entity=bank["FAB"],
                customer=customer,
                date=date(2026, 3, 5),
                amount=D("600.00"),
                bank_ledger_account=bank["main"],
                end_to_end_id="E2E-0002",
            )
        ],
        actor=admin_user,
    )
    statement = statement_with(
        bank, [{"amount": "-600.00", "end_to_end_id": "E2E-0002", "return_reason": "AM04"}]
    )
    returns_match(statement=statement)
    returned = line(statement, 1)
    assert returned.returned_payment_id == collected.pk
    line_posting_type_set(line=returned, posting_type="bank_charges", actor=admin_user)
    posted = line_post(line=line(statement, 1), actor=admin_user)
    assert posted.returned_payment_id is None
    assert all(p["rule"] != "return" for p in posted.proposals)
    collected.refresh_from_db()
    assert collected.status == DocumentStatus.POSTED


def test_a_return_on_another_bank_account_is_not_matched(bank, admin_user):
    from banking.models import BankAccount
    from ledger.models import MainAccount
    from receivables.services import PaymentInput, payments_post

    other_main = MainAccount.objects.create(
        legal_entity=bank["FAB"], number="110300", name="Bank 2", kind=MainAccount.Kind.ASSET
    )
    other = BankAccount.objects.create(
        legal_entity=bank["FAB"],
        code="SECOND",
        name="Second",
        iban="GB82WEST12345698765432",
        currency="USD",
        main_account=other_main,
    )
    payments_post(
        inputs=[
            PaymentInput(
                legal_entity=bank["FAB"],
                customer=bank["customers"]["FAB"],
                date=date(2026, 3, 5),
                amount=D("600.00"),
                bank_ledger_account=other_main,
                end_to_end_id="E2E-0003",
            )
        ],
        actor=admin_user,
    )
    statement = statement_with(
        bank, [{"amount": "-600.00", "end_to_end_id": "E2E-0003", "return_reason": "AM04"}]
    )
    assert returns_match(statement=statement) == 0
    assert other.pk


def test_posting_a_line_joins_one_transaction_without_savepoints(bank, admin_user):
    """The payment and the settlement join the line's transaction: no savepoint of their own,
    and a bounded number of statements (the statement's bank account is read once)."""
    counts = []
    for i in range(2):
        invoice = post_invoice(bank["customers"]["FABE"], amounts=("600.00",))
        statement = statement_with(bank, [{"amount": "600.00"}], statement_id=f"Q{i}")
        first = line(statement, 1)
        line_transactions_mark(
            line=first, transactions=[MarkedInput(ot_of(invoice).pk)], actor=admin_user
        )
        with CaptureQueriesContext(connection) as queries:
            (posted,) = statement_post(statement=statement, actor=admin_user)
        assert posted.error is None and posted.line.settlement_id is not None
        counts.append(len(queries))
    savepoints = [q["sql"] for q in queries if "SAVEPOINT" in q["sql"]]
    # The test's own transaction turns the line's and the status refresh's blocks into
    # savepoints: two each (SAVEPOINT, RELEASE), none inside.
    assert len(savepoints) == 4, savepoints
    assert counts[1] <= 33, counts


def test_a_posted_line_leaves_the_audit_rows_of_its_line_payment_and_settlement(bank, admin_user):
    """They are written together when the line's transaction ends, each naming its entities."""
    from core.models import AuditEntry

    invoice = post_invoice(bank["customers"]["FABE"], amounts=("600.00",))
    statement = statement_with(bank, [{"amount": "600.00"}], statement_id="AUD")
    first = line(statement, 1)
    line_transactions_mark(
        line=first, transactions=[MarkedInput(ot_of(invoice).pk)], actor=admin_user
    )
    since = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    posted = line_post(line=first, actor=admin_user)

    rows = {
        entry.action: (entry.object_id, sorted(e.code for e in entry.legal_entities.all()))
        for entry in AuditEntry.objects.filter(pk__gt=since).prefetch_related("legal_entities")
    }
    assert rows == {
        "payment.posted": (str(posted.payment_id), ["FAB"]),
        "settlement.posted": (str(posted.settlement_id), ["FAB", "FABE"]),
        "bank_statement_line.posted": (str(posted.pk), ["FAB"]),
    }
    settled = AuditEntry.objects.get(pk__gt=since, action="settlement.posted")
    assert [D(v) for v in settled.changes[ot_of(invoice).document_number]] == [600, 0]
    assert settled.actor == admin_user
