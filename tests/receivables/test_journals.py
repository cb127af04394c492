"""Payment journals kept as drafts: saved with their lines (blank ones dropped), validated with
every problem at once, posted whole or not at all, with the settlements their lines mark, once."""

import threading
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection

from core.errors import ApplicationError
from entities.exceptions import EntityAccessDenied
from ledger.models import FiscalPeriod, LedgerEntry
from receivables.ar_close import ar_close_blockers
from receivables.exceptions import InvalidTransition
from receivables.journal_selectors import journal_totals, unposted_journals_for_user
from receivables.models import OpenTransaction, Payment, PaymentJournal
from receivables.services import (
    JournalLineInput,
    JournalMarkInput,
    journal_create,
    journal_line_add,
    journal_line_delete,
    journal_line_update,
    journal_post,
    journal_update,
    journal_validate,
)
from settlement.models import Settlement
from tests.conftest import make_clerk
from tests.factories.entities import CustomerFactory
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db
MAR9 = date(2026, 3, 9)


def line(customer=None, amount=None, **kwargs) -> JournalLineInput:
    return JournalLineInput(
        customer=customer,
        date=kwargs.pop("on", MAR9),
        amount=D(amount) if amount is not None else None,
        **kwargs,
    )


def test_journal_create_drops_blank_lines_and_numbers_the_rest(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    journal = journal_create(
        legal_entity=fabrikam["FAB"],
        actor=None,
        description="Lockbox 12",
        lines=[line(), line(customer, "100.00"), line(), line(None, "5.00"), line()],
    )
    assert [(ln.position, ln.amount) for ln in journal.lines.order_by("position")] == [
        (1, D("100.00")),
        (2, D("5.00")),
    ]
    assert journal.status == "draft" and journal.description == "Lockbox 12"


def test_journal_validate_reports_every_problem_of_every_line_at_once(fabrikam):
    fab = fabrikam["FAB"]
    customer = fabrikam["customers"]["FAB"]
    blocked = CustomerFactory(legal_entity=fab, account="4009", blocked=True)
    journal = journal_create(
        legal_entity=fab,
        actor=None,
        lines=[
            line(customer, "100.00"),
            line(None, "-5.00", on=None),
            line(blocked, "10.005", currency="GBP"),
            line(customer, None, on=date(2031, 1, 5)),
            line(customer, "-1.00"),
        ],
    )
    check = journal_validate(journal=journal, actor=None)
    assert check.lines == {
        2: {
            "customer": ["Choose a customer."],
            "date": ["Enter the payment date."],
            "amount": ["The amount must be greater than zero."],
        },
        3: {
            "customer": ["Customer 4009 in FAB is blocked."],
            "currency": ["No exchange rate GBP→USD on 2026-03-09."],
            "amount": ["10.005 has more decimals than GBP allows."],
        },
        4: {
            "date": [
                "Legal entity FAB has no fiscal period containing 2031-01-05: open the fiscal "
                "year 2031 first."
            ],
            "amount": ["Enter the amount received."],
        },
        5: {"amount": ["The amount must be greater than zero."]},
    }
    assert check.count == 9
    with pytest.raises(
        ApplicationError, match=r"^Line 2: Choose a customer\. \(8 more problems\)$"
    ):
        journal_post(journal=journal, actor=None)
    assert not Payment.objects.exists()


def test_journal_validate_names_a_closed_period(fabrikam):
    fab = fabrikam["FAB"]
    FiscalPeriod.objects.filter(legal_entity=fab, start=date(2026, 3, 1)).update(status="closed")
    journal = journal_create(
        legal_entity=fab, actor=None, lines=[line(fabrikam["customers"]["FAB"], "1.00")]
    )
    assert journal_validate(journal=journal, actor=None).lines == {
        1: {
            "date": [
                "The fiscal period of FAB containing 2026-03-09 is closed: nothing can be "
                "posted into it."
            ]
        }
    }


def test_journal_validate_refuses_an_empty_journal(fabrikam):
    journal = journal_create(legal_entity=fabrikam["FAB"], actor=None, lines=[line()])
    check = journal_validate(journal=journal, actor=None)
    assert check.journal == ["The journal has no lines: enter at least one payment."]
    assert check.fields() == {"journal": ["The journal has no lines: enter at least one payment."]}


def test_journal_post_posts_every_line_as_a_payment(fabrikam, admin_user):
    fab = fabrikam["FAB"]
    other = CustomerFactory(legal_entity=fab, account="4001")
    journal = journal_create(
        legal_entity=fab,
        actor=admin_user,
        lines=[
            line(fabrikam["customers"]["FAB"], "100.00", reference="CHK 1"),
            line(other, "250.50", method="check"),
        ],
    )
    posted = journal_post(journal=journal, actor=admin_user)
    assert (posted.status, posted.posted_by) == ("posted", admin_user)
    payments = list(Payment.objects.order_by("number"))
    assert [(p.number, p.amount, p.method, p.reference, p.journal_id) for p in payments] == [
        ("FAB-PAY00000001", D("100.00"), "electronic", "CHK 1", journal.pk),
        ("FAB-PAY00000002", D("250.50"), "check", "", journal.pk),
    ]
    assert [ln.payment_id for ln in journal.lines.order_by("position")] == [p.pk for p in payments]
    assert OpenTransaction.objects.filter(kind="payment").count() == 2


def test_journal_post_twice_posts_once(fabrikam):
    journal = journal_create(
        legal_entity=fabrikam["FAB"], actor=None, lines=[line(fabrikam["customers"]["FAB"], "9.00")]
    )
    journal_post(journal=journal, actor=None)
    again = journal_post(journal=journal, actor=None)
    assert again.status == "posted"
    assert Payment.objects.count() == 1


def test_journal_post_with_a_refused_settlement_posts_nothing(fabrikam, monkeypatch):
    from settlement.exceptions import SettlementConflict
    from settlement.services import journals as settling

    def refused(**kwargs):
        raise SettlementConflict("Another settlement is changing these transactions right now.")

    monkeypatch.setattr(settling, "settlement_create", refused)
    customer = fabrikam["customers"]["FAB"]
    ot = post_invoice(customer, amounts=["100.00"]).open_transaction
    journal = journal_create(
        legal_entity=fabrikam["FAB"],
        actor=None,
        lines=[line(customer, "60.00"), line(customer, "70.00", marks=[JournalMarkInput(ot.pk)])],
    )
    with pytest.raises(ApplicationError) as error:
        journal_post(journal=journal, actor=None)
    assert error.value.message == (
        "Line 2: Another settlement is changing these transactions right now."
    )
    assert error.value.http_status == 409
    assert error.value.fields == {
        "lines": {"2": {"settle": ["Another settlement is changing these transactions right now."]}}
    }
    assert not Payment.objects.exists() and not Settlement.objects.exists()
    assert PaymentJournal.objects.get().status == "draft"


def test_journal_post_settles_the_marked_invoices_with_the_journal(fabrikam):
    fab = fabrikam["FAB"]
    customer = fabrikam["customers"]["FAB"]
    first = post_invoice(customer, amounts=["100.00"]).open_transaction
    second = post_invoice(customer, amounts=["300.00"]).open_transaction
    fabe_invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"]).open_transaction
    journal = journal_create(
        legal_entity=fab,
        actor=None,
        lines=[
            line(
                customer,
                "250.00",
                marks=[JournalMarkInput(first.pk), JournalMarkInput(second.pk, D("150.00"))],
            ),
            line(customer, "600.00", marks=[JournalMarkInput(fabe_invoice.pk)]),
            line(customer, "5.00"),
        ],
    )
    journal_post(journal=journal, actor=None)
    for ot in (first, second, fabe_invoice):
        ot.refresh_from_db()
    assert (first.open_amount, second.open_amount, fabe_invoice.open_amount) == (
        D("0.00"),
        D("150.00"),
        D("0.00"),
    )
    assert Settlement.objects.count() == 2
    payments = {p.amount: p.open_transaction.open_amount for p in Payment.objects.all()}
    assert payments == {D("250.00"): D("0.00"), D("600.00"): D("0.00"), D("5.00"): D("-5.00")}
    # A1: FAB's payment of FABE's invoice posts due to / due from.
    fabe_lines = LedgerEntry.objects.filter(
        legal_entity=fabrikam["FABE"], voucher__settlements__isnull=False
    )
    assert sorted((e.posting_type, e.amount) for e in fabe_lines) == [
        ("customer_balance", D("-600.00")),
        ("intercompany_due_from", D("600.00")),
    ]


def test_journal_validate_checks_what_the_lines_mark(fabrikam):
    fab = fabrikam["FAB"]
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["100.00"]).open_transaction
    stranger = CustomerFactory(legal_entity=fab, account="5000")
    theirs = post_invoice(stranger, amounts=["40.00"]).open_transaction
    journal = journal_create(
        legal_entity=fab,
        actor=None,
        lines=[
            line(customer, "50.00", marks=[JournalMarkInput(invoice.pk, D("120.00"))]),
            line(
                customer, "10.00", marks=[JournalMarkInput(invoice.pk), JournalMarkInput(theirs.pk)]
            ),
        ],
    )
    assert journal_validate(journal=journal, actor=None).lines == {
        1: {
            "settle": [
                "120.00 is marked on FAB-INV00000001 but only 100.00 USD is open.",
                "The amounts marked (120.00) are more than the payment (50.00).",
            ]
        },
        2: {
            "settle": [
                "FAB-INV00000001 is marked on line 1 too.",
                f"FAB-INV00000002 is not an open item of {customer.display_name}'s party.",
            ]
        },
    }


def test_journal_lines_added_changed_and_deleted_one_by_one(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    journal = journal_create(legal_entity=fabrikam["FAB"], actor=None)
    first = journal_line_add(journal=journal, data=line(customer, "1.00"), actor=None)
    second = journal_line_add(journal=journal, data=line(customer, "2.00"), actor=None)
    third = journal_line_add(journal=journal, data=line(customer, "3.00"), actor=None)
    assert (first.position, second.position, third.position) == (1, 2, 3)
    journal_line_update(line=second, data=line(customer, "22.00", method="cash"), actor=None)
    journal_line_delete(line=first, actor=None)
    assert [(ln.position, ln.amount, ln.method) for ln in journal.lines.order_by("position")] == [
        (1, D("22.00"), "cash"),
        (2, D("3.00"), "electronic"),
    ]
    with pytest.raises(ApplicationError, match="The line is blank"):
        journal_line_add(journal=journal, data=line(), actor=None)


def test_a_posted_journal_is_not_changed(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    journal = journal_create(
        legal_entity=fabrikam["FAB"], actor=None, lines=[line(customer, "1.00")]
    )
    journal_post(journal=journal, actor=None)
    with pytest.raises(InvalidTransition, match=f"Payment journal {journal.pk} is posted"):
        journal_update(journal=journal, actor=None, lines=[])
    with pytest.raises(InvalidTransition):
        journal_line_add(journal=journal, data=line(customer, "1.00"), actor=None)


def test_journals_are_scoped_to_the_granted_entities(fabrikam):
    clerk = make_clerk("clerk", fabrikam["FAB"])
    with pytest.raises(EntityAccessDenied):
        journal_create(legal_entity=fabrikam["FABE"], actor=clerk)
    theirs = journal_create(
        legal_entity=fabrikam["FABE"],
        actor=None,
        lines=[line(fabrikam["customers"]["FABE"], "5.00")],
    )
    with pytest.raises(EntityAccessDenied):
        journal_post(journal=theirs, actor=clerk)
    with pytest.raises(EntityAccessDenied):
        journal_validate(journal=theirs, actor=clerk)
    # A customer of another entity on a line, or a mark of an ungranted entity's transaction.
    with pytest.raises(ApplicationError, match="Customer 4000 is not a customer of FAB"):
        journal_create(
            legal_entity=fabrikam["FAB"],
            actor=clerk,
            lines=[line(fabrikam["customers"]["FABE"], "5.00")],
        )
    fabe_invoice = post_invoice(fabrikam["customers"]["FABE"]).open_transaction
    with pytest.raises(ApplicationError, match=f"No open transaction {fabe_invoice.pk}"):
        journal_create(
            legal_entity=fabrikam["FAB"],
            actor=clerk,
            lines=[
                line(
                    fabrikam["customers"]["FAB"], "5.00", marks=[JournalMarkInput(fabe_invoice.pk)]
                )
            ],
        )
    assert Payment.objects.count() == 0
    assert [e.code for e, _ in unposted_journals_for_user(clerk)] == []
    mine = journal_create(legal_entity=fabrikam["FAB"], actor=clerk)
    assert [(e.code, [j.pk for j in js]) for e, js in unposted_journals_for_user(clerk)] == [
        ("FAB", [mine.pk])
    ]


def test_journal_totals_per_currency(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    journal = journal_create(
        legal_entity=fabrikam["FAB"],
        actor=None,
        lines=[
            line(customer, "100.00"),
            line(customer, "20.50", currency="EUR"),
            line(customer, "0.25"),
            line(None, None, reference="to find"),
        ],
    )
    totals = journal_totals([journal.pk])[journal.pk]
    assert [(t.currency, t.amount, t.count) for t in totals] == [
        ("EUR", D("20.50"), 1),
        ("USD", D("100.25"), 2),
    ]


def test_unposted_journal_blocks_the_ar_close_of_its_period(fabrikam):
    fab = fabrikam["FAB"]
    march = FiscalPeriod.objects.get(legal_entity=fab, start=date(2026, 3, 1))
    april = FiscalPeriod.objects.get(legal_entity=fab, start=date(2026, 4, 1))
    journal = journal_create(
        legal_entity=fab,
        actor=None,
        description="Lockbox 12",
        lines=[line(fabrikam["customers"]["FAB"], "3.00")],
    )
    blockers = ar_close_blockers(legal_entity=fab, period=march)
    assert [(b.kind, b.object_id, b.url, b.message) for b in blockers] == [
        (
            "payment_journal",
            journal.pk,
            f"/payments/journals/{journal.pk}/",
            f"Payment journal {journal.pk} (Lockbox 12) has lines dated in the period and is "
            "not posted.",
        )
    ]
    assert ar_close_blockers(legal_entity=fab, period=april) == []
    journal_post(journal=journal, actor=None)
    assert ar_close_blockers(legal_entity=fab, period=march) == []


@pytest.mark.postgresql("row locks taken by two threads")
@pytest.mark.django_db(transaction=True)
def test_journal_post_by_two_clerks_at_once_posts_once(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["100.00"]).open_transaction
    journal = journal_create(
        legal_entity=fabrikam["FAB"],
        actor=None,
        lines=[
            line(customer, "100.00", marks=[JournalMarkInput(invoice.pk)]),
            line(customer, "7.00"),
        ],
    )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def post():
        try:
            barrier.wait()
            results.append(
                journal_post(journal=PaymentJournal.objects.get(pk=journal.pk), actor=None)
            )
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [r.status for r in results] == ["posted", "posted"]
    assert Payment.objects.count() == 2
    assert Settlement.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.open_amount == D("0.00")
