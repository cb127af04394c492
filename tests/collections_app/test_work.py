"""The collections manager's work: activities and promises, disputes (excluded from letters and
interest), write-offs (postings exact, limited by the maximum), credit hold, letters in a
sequence, customer pools, agents."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from collections_app.models import Activity, CollectionLetter, WriteOff
from collections_app.services import (
    ActivityInput,
    activity_log,
    collections_agent_assign,
    credit_hold_set,
    customer_pool_save,
    dispute_open,
    dispute_resolve,
    letter_send,
    write_off_create,
)
from core.errors import Conflict, InvalidInput
from entities.exceptions import EntityAccessDenied
from entities.models import PartyContact
from ledger.models import LedgerEntry
from receivables.exceptions import CustomerBlocked
from receivables.models import InterestNote, OpenTransaction
from receivables.services import InterestRangeInput, interest_code_save, interest_notes_create
from tests.conftest import make_clerk
from tests.factories.entities import ExchangeRateFactory, PaymentTermsFactory
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = date(2026, 4, 15)


@pytest.fixture
def customer(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    customer.payment_terms = PaymentTermsFactory()
    customer.save()
    return customer


def _invoice(customer, amount="100.00", on=date(2026, 2, 1), **kwargs):
    invoice = post_invoice(
        customer, amounts=(amount,), on=on, terms=customer.payment_terms, **kwargs
    )
    return invoice.open_transaction


def test_promise_to_pay_needs_a_future_date_and_an_amount(customer):
    def promise(**changes):
        data = {"kind": "promise_to_pay", "subject": "Will pay", "promised_on": date(2026, 4, 30),
                "promised_amount": D("50.00")}  # fmt: skip
        data.update(changes)
        return activity_log(customer=customer, data=ActivityInput(**data), actor=None, today=TODAY)

    with pytest.raises(InvalidInput, match="promised date is in the past") as err:
        promise(promised_on=date(2026, 4, 14))
    assert err.value.field == "promised_on"
    with pytest.raises(InvalidInput, match="amount above zero"):
        promise(promised_amount=D("0"))
    with pytest.raises(InvalidInput, match="more decimals than USD"):
        promise(promised_amount=D("1.001"))
    with pytest.raises(InvalidInput, match="Unknown activity 'fax'"):
        promise(kind="fax")
    with pytest.raises(InvalidInput, match="follow-up date is in the past"):
        activity_log(
            customer=customer,
            data=ActivityInput(kind="call", subject="Called", follow_up_on=date(2026, 1, 1)),
            actor=None,
            today=TODAY,
        )
    assert not Activity.objects.exists()
    activity = promise()
    assert (activity.promised_on, activity.promised_amount, activity.currency) == (
        date(2026, 4, 30),
        D("50.00"),
        "USD",
    )


def test_disputed_invoice_gets_no_interest_and_no_letter_until_resolved(customer):
    customer.interest_code = interest_code_save(
        code="M1", ranges=[InterestRangeInput(1, None, D("1"))], actor=None
    )
    customer.save()
    disputed = _invoice(customer, "100.00")
    other = _invoice(customer, "300.00")
    dispute = dispute_open(open_transaction=disputed, reason="Goods damaged", actor=None)
    with pytest.raises(Conflict, match="already in dispute"):
        dispute_open(open_transaction=disputed, reason="again", actor=None)

    interest_notes_create(legal_entities=[customer.legal_entity], as_of=TODAY, actor=None)
    note = InterestNote.objects.get()
    assert {x.open_transaction_id for x in note.lines.all()} == {other.pk}

    with pytest.raises(InvalidInput, match="in dispute: no letter for a disputed transaction"):
        letter_send(customer=customer, on=TODAY, actor=None, transactions=[disputed])
    letter = letter_send(customer=customer, on=TODAY, actor=None)
    assert [r["open_transaction"] for r in letter.transactions] == [other.pk]
    assert letter.total == D("300.00")

    dispute_resolve(dispute=dispute, resolution="Credit note agreed", actor=None)
    disputed.refresh_from_db()
    assert not disputed.disputed
    kinds = list(Activity.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["dispute", "letter", "dispute"]


def test_write_off_posts_exactly_and_closes_the_invoice(customer):
    entity = customer.legal_entity
    entity.max_write_off = D("1.00")
    entity.save()
    ot = _invoice(customer, "100.00")
    from settlement.services import SettlementLineInput, settlement_create

    payment = post_payment(customer, amount="99.60", on=date(2026, 3, 1))
    settlement_create(
        lines=[SettlementLineInput(ot.pk), SettlementLineInput(payment.open_transaction.pk)],
        on=date(2026, 3, 1),
        primary=None,
        actor=None,
    )
    ot.refresh_from_db()
    assert ot.open_amount == D("0.40")
    write_off = write_off_create(open_transaction=ot, reason="Small balance", actor=None, on=TODAY)
    lines = {
        e.posting_type: (e.amount, e.accounting_amount)
        for e in LedgerEntry.objects.filter(voucher=write_off.voucher)
    }
    assert lines == {
        "write_off": (D("0.40"), D("0.40")),
        "customer_balance": (D("-0.40"), D("-0.40")),
    }
    ot.refresh_from_db()
    assert (ot.open_amount, ot.open_accounting_amount, ot.closed_on) == (D("0"), D("0"), TODAY)
    with pytest.raises(InvalidInput, match="is closed"):
        write_off_create(open_transaction=ot, reason="again", actor=None, on=TODAY)


def test_write_off_above_the_maximum_is_refused_and_nothing_posted(customer):
    entity = customer.legal_entity
    entity.max_write_off = D("1.00")
    entity.save()
    ot = _invoice(customer, "100.00")
    before = LedgerEntry.objects.count()
    with pytest.raises(
        InvalidInput, match=r"1.50 USD is above the write-off maximum of FAB \(1.00"
    ):
        write_off_create(open_transaction=ot, amount=D("1.50"), reason="x", actor=None, on=TODAY)
    with pytest.raises(InvalidInput, match="at most the open 100.00 USD"):
        write_off_create(open_transaction=ot, amount=D("100.01"), reason="x", actor=None, on=TODAY)
    assert LedgerEntry.objects.count() == before and not WriteOff.objects.exists()


def test_partial_write_off_in_a_foreign_currency_values_at_the_invoice_rate(customer):
    """EUR at 1.2062: 3.00 EUR written off is 3.62 USD; the rest then takes the exact remainder."""
    entity = customer.legal_entity
    entity.max_write_off = D("20.00")
    entity.save()
    ExchangeRateFactory(rate=D("1.2062"), valid_from=date(2026, 1, 1))
    ot = _invoice(customer, "10.00", currency="EUR")
    assert ot.accounting_amount == D("12.06")
    first = write_off_create(
        open_transaction=ot, amount=D("3.00"), reason="x", actor=None, on=TODAY
    )
    assert first.accounting_amount == D("3.62")
    rest = write_off_create(open_transaction=ot, reason="y", actor=None, on=TODAY)
    assert (rest.amount, rest.accounting_amount) == (D("7.00"), D("8.44"))
    ot.refresh_from_db()
    assert ot.open_accounting_amount == 0


def test_credit_hold_blocks_new_invoices_until_released(customer):
    credit_hold_set(customer=customer, hold=True, reason="Final notice ignored", actor=None)
    with pytest.raises(CustomerBlocked):
        _invoice(customer)
    with pytest.raises(Conflict, match="already on credit hold"):
        credit_hold_set(customer=customer, hold=True, reason="again", actor=None)
    credit_hold_set(customer=customer, hold=False, reason="Paid", actor=None)
    assert _invoice(customer).open_amount == D("100.00")
    assert Activity.objects.filter(kind="credit_hold").count() == 2


def test_letters_follow_the_sequence_and_are_emailed(customer, django_capture_on_commit_callbacks):
    PartyContact.objects.create(party=customer.party, name="AP", email="ap@northwind.example")
    _invoice(customer, "250.00", on=date(2026, 2, 1))  # due 2026-03-03
    with pytest.raises(InvalidInput, match="nothing overdue"):
        letter_send(customer=customer, on=date(2026, 3, 3), actor=None)
    with pytest.raises(InvalidInput, match="No letter of sequence STANDARD is due: the oldest"):
        letter_send(customer=customer, on=date(2026, 3, 10), actor=None)  # 7 days < 15
    with django_capture_on_commit_callbacks(execute=True):
        first = letter_send(customer=customer, on=date(2026, 3, 20), actor=None)
    assert (first.step.step, first.emailed_to) == (1, "ap@northwind.example")
    first.refresh_from_db()
    assert first.emailed_at is not None
    assert len(mail.outbox) == 1 and "Payment reminder" in mail.outbox[0].subject
    assert "250.00" in first.html
    with pytest.raises(InvalidInput, match="letter 1 was sent"):
        letter_send(customer=customer, on=date(2026, 3, 25), actor=None)  # 22 days < 30
    second = letter_send(customer=customer, on=date(2026, 4, 5), actor=None)
    assert second.step.step == 2
    assert CollectionLetter.objects.count() == 2


def test_customer_pool_criteria_are_checked(db, fabrikam):
    with pytest.raises(InvalidInput, match="Unknown criterion 'colour'"):
        customer_pool_save(code="P", name="p", criteria={"colour": "red"}, actor=None)
    with pytest.raises(InvalidInput, match="criteria.min_days_overdue: 'many'"):
        customer_pool_save(code="P", name="p", criteria={"min_days_overdue": "many"}, actor=None)
    with pytest.raises(InvalidInput, match="unknown legal entity 'NOPE'"):
        customer_pool_save(code="P", name="p", criteria={"legal_entities": ["NOPE"]}, actor=None)
    pool = customer_pool_save(
        code="OVER60",
        name="Over 60 days and 10,000",
        criteria={
            "min_days_overdue": 60,
            "min_balance": "10000",
            "legal_entities": ["FAB", "FABE"],
        },
        actor=None,
    )
    assert pool.criteria == {
        "min_days_overdue": 60,
        "min_balance": "10000",
        "legal_entities": ["FAB", "FABE"],
    }


def test_agent_must_be_granted_the_customers_entity(fabrikam):
    customer = fabrikam["customers"]["FABE"]
    outsider = make_clerk("outsider", fabrikam["FAB"])
    with pytest.raises(EntityAccessDenied):
        collections_agent_assign(customer=customer, agent=outsider, actor=None)
    agent = make_clerk("agent", fabrikam["FABE"])
    profile = collections_agent_assign(customer=customer, agent=agent, actor=None)
    assert profile.agent == agent
    assert OpenTransaction.objects.count() == 0


def test_a_failing_mail_server_leaves_the_letter_recorded_as_not_emailed(
    customer, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.collections_app.test_work.FailingBackend"
    PartyContact.objects.create(party=customer.party, name="AP", email="ap@northwind.example")
    _invoice(customer, "250.00", on=date(2026, 2, 1))
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_send(customer=customer, on=date(2026, 3, 20), actor=None)
    letter.refresh_from_db()
    assert (letter.emailed_to, letter.emailed_at) == ("ap@northwind.example", None)


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def test_the_write_off_maximum_holds_for_all_write_offs_of_a_transaction(customer):
    entity = customer.legal_entity
    entity.max_write_off = D("1.00")
    entity.save()
    ot = _invoice(customer, "100.00")
    write_off_create(open_transaction=ot, amount=D("0.60"), reason="a", actor=None, on=TODAY)
    with pytest.raises(InvalidInput, match=r"0.50 USD \(0.60 already written off\) is above"):
        write_off_create(open_transaction=ot, amount=D("0.50"), reason="b", actor=None, on=TODAY)
    write_off_create(open_transaction=ot, amount=D("0.40"), reason="c", actor=None, on=TODAY)
    assert WriteOff.objects.count() == 2
