"""Interest codes and interest notes: the day-count rule by hand, ranges, grace, fee, minimum,
waive, reinstate, post, reverse; a posted note settles like an invoice; periods never charged
twice."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.errors import InvalidInput
from ledger.models import LedgerEntry
from receivables.exceptions import DocumentSettled, InterestChargedAgain, InvalidTransition
from receivables.interest import RangeRule, add_months, interest_periods
from receivables.models import InterestCode, InterestNote, InterestNoteLine, OpenTransaction
from receivables.services import (
    InterestCurrencyInput,
    InterestRangeInput,
    interest_code_save,
    interest_note_post,
    interest_note_reinstate,
    interest_note_reverse,
    interest_note_waive,
    interest_notes_create,
)
from tests.factories.entities import CustomerFactory, LegalEntityFactory, PaymentTermsFactory
from tests.factories.receivables import post_invoice, post_payment

D = Decimal
JAN1 = date(2026, 1, 1)  # with N30 the invoices fall due on 2026-01-31


def _code(
    code="IC",
    *,
    charge_per="month",
    ranges_by="day",
    grace=0,
    ranges=None,
    currencies=None,
    instance=None,
):
    return interest_code_save(
        instance=instance,
        code=code,
        actor=None,
        charge_per=charge_per,
        ranges_by=ranges_by,
        grace_days=grace,
        ranges=[InterestRangeInput(*r) for r in (ranges or [(1, None, D("1.5"))])],
        currencies=[InterestCurrencyInput(*c) for c in (currencies or [])],
    )


@pytest.fixture
def book(db):
    entity = LegalEntityFactory(code="FAB")
    terms = PaymentTermsFactory(code="N30", net_days=30)
    customer = CustomerFactory(legal_entity=entity, account="4000", payment_terms=terms)
    return {"entity": entity, "customer": customer, "terms": terms}


def _invoice(customer, amount="1000.00", on=JAN1):
    return post_invoice(customer, amounts=(amount,), on=on, terms=customer.payment_terms)


def test_add_months_is_month_end_aware():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 2) == date(2026, 3, 31)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


def test_interest_per_completed_month_by_hand(book):
    """1.5 % a month on 1,000.00 due 2026-01-31: on 2026-04-15 two months are complete
    (Feb 28, Mar 31) → 30.00; April waits until it is complete."""
    customer = book["customer"]
    customer.interest_code = _code()
    customer.save()
    invoice = _invoice(customer)
    result = interest_notes_create(
        legal_entities=[book["entity"]], as_of=date(2026, 4, 15), actor=None
    )
    assert result == {"customers": 1, "notes": 1, "lines": 1}
    note = InterestNote.objects.get()
    (line,) = note.lines.all()
    assert (line.period_start, line.period_end) == (date(2026, 2, 1), date(2026, 3, 31))
    assert (line.months, line.days, line.base, line.percent) == (2, 59, D("1000.00"), D("1.5"))
    assert line.amount == D("30.00") and note.total == D("30.00")
    assert line.open_transaction_id == invoice.open_transaction.pk

    # The same date again charges nothing; a month later only April is added.
    assert (
        interest_notes_create(legal_entities=[book["entity"]], as_of=date(2026, 4, 15), actor=None)[
            "notes"
        ]
        == 0
    )
    interest_notes_create(legal_entities=[book["entity"]], as_of=date(2026, 5, 5), actor=None)
    latest = InterestNote.objects.order_by("-pk").first()
    (april,) = latest.lines.all()
    assert (april.period_start, april.period_end, april.months, april.amount) == (
        date(2026, 4, 1),
        date(2026, 4, 30),
        1,
        D("15.00"),
    )


def test_interest_per_day_two_ranges_grace_and_fee_by_hand(book):
    """0.05 %/day for days 1–30, 0.1 %/day from day 31, grace 5 days, fee 5.00 USD. 2,000.00 due
    2026-01-31: on 2026-02-04 (4 days) nothing; on 2026-03-17 (45 days): Feb 1–Mar 2 is 30 days
    × 0.05 % = 30.00, Mar 3–Mar 17 is 15 days × 0.1 % = 30.00, plus the fee: 65.00."""
    customer = book["customer"]
    customer.interest_code = _code(
        charge_per="day",
        grace=5,
        ranges=[(1, 30, D("0.05")), (31, None, D("0.1"))],
        currencies=[("USD", D("5.00"), D("0"))],
    )
    customer.save()
    _invoice(customer, "2000.00")
    assert (
        interest_notes_create(legal_entities=[book["entity"]], as_of=date(2026, 2, 4), actor=None)[
            "notes"
        ]
        == 0
    )
    interest_notes_create(legal_entities=[book["entity"]], as_of=date(2026, 3, 17), actor=None)
    note = InterestNote.objects.get()
    lines = list(note.lines.order_by("period_start"))
    assert [(x.period_start, x.period_end, x.days, x.percent, x.amount) for x in lines] == [
        (date(2026, 2, 1), date(2026, 3, 2), 30, D("0.05"), D("30.00")),
        (date(2026, 3, 3), date(2026, 3, 17), 15, D("0.1"), D("30.00")),
    ]
    assert (note.interest, note.fee, note.minimum_adjustment, note.total) == (
        D("60.00"),
        D("5.00"),
        D("0.00"),
        D("65.00"),
    )


def test_interest_per_day_with_ranges_by_month_by_hand():
    """Ranges by months: month 1 overdue 0.02 %/day, later months 0.04 %/day. 1,000.00 due
    2026-01-31, on 2026-03-10: Feb 1–28 is month 1 (28 × 0.2 = 5.60), Mar 1–10 month 2
    (10 × 0.4 = 4.00)."""
    periods = interest_periods(
        due_date=date(2026, 1, 31),
        as_of=date(2026, 3, 10),
        base=D("1000.00"),
        currency="USD",
        charge_per="day",
        ranges_by="month",
        grace_days=0,
        ranges=[RangeRule(1, 1, D("0.02")), RangeRule(2, None, D("0.04"))],
    )
    assert [(p.period_start, p.period_end, p.days, p.amount) for p in periods] == [
        (date(2026, 2, 1), date(2026, 2, 28), 28, D("5.60")),
        (date(2026, 3, 1), date(2026, 3, 10), 10, D("4.00")),
    ]


def test_interest_rounds_once_to_the_currency():
    """JPY has no minor units: 12,345 × 0.033 % × 10 days = 40.7385 → 41."""
    (period,) = interest_periods(
        due_date=date(2026, 1, 31),
        as_of=date(2026, 2, 10),
        base=D("12345"),
        currency="JPY",
        charge_per="day",
        ranges_by="day",
        grace_days=0,
        ranges=[RangeRule(1, None, D("0.033"))],
    )
    assert (period.days, period.amount) == (10, D("41"))


def test_interest_months_in_a_leap_year():
    """Due 2028-01-31: month 1 ends on Feb 29."""
    (period,) = interest_periods(
        due_date=date(2028, 1, 31),
        as_of=date(2028, 3, 1),
        base=D("100.00"),
        currency="USD",
        charge_per="month",
        ranges_by="month",
        grace_days=0,
        ranges=[RangeRule(1, None, D("2"))],
    )
    assert (period.period_start, period.period_end, period.days, period.amount) == (
        date(2028, 2, 1),
        date(2028, 2, 29),
        29,
        D("2.00"),
    )


def test_interest_minimum_raises_the_note(book):
    """0.05 %/day on 100.00 for 20 days = 1.00, minimum 10.00 → adjustment 9.00."""
    customer = book["customer"]
    customer.interest_code = _code(
        charge_per="day",
        ranges=[(1, None, D("0.05"))],
        currencies=[("USD", D("0"), D("10.00"))],
    )
    customer.save()
    _invoice(customer, "100.00")
    interest_notes_create(legal_entities=[book["entity"]], as_of=date(2026, 2, 20), actor=None)
    note = InterestNote.objects.get()
    assert (note.interest, note.minimum_adjustment, note.total) == (
        D("1.00"),
        D("9.00"),
        D("10.00"),
    )


def test_interest_one_note_per_customer_and_currency_with_a_line_per_invoice(book):
    customer = book["customer"]
    customer.interest_code = _code()
    customer.save()
    _invoice(customer, "1000.00")
    _invoice(customer, "500.00")
    other = CustomerFactory(
        legal_entity=book["entity"], account="4001", payment_terms=book["terms"]
    )
    _invoice(other, "200.00")  # no interest code: not charged
    interest_notes_create(legal_entities=[book["entity"]], as_of=date(2026, 3, 1), actor=None)
    note = InterestNote.objects.get()
    assert note.customer == customer
    assert sorted(x.amount for x in note.lines.all()) == [D("7.50"), D("15.00")]
    assert note.total == D("22.50")


def test_interest_skips_paid_invoices_and_charges_the_open_amount(book):
    customer = book["customer"]
    customer.interest_code = _code()
    customer.save()
    invoice = _invoice(customer, "1000.00")
    payment = post_payment(customer, amount="400.00", on=date(2026, 2, 15))
    from settlement.services import SettlementLineInput, settlement_create

    settlement_create(
        lines=[
            SettlementLineInput(invoice.open_transaction.pk),
            SettlementLineInput(payment.open_transaction.pk),
        ],
        on=date(2026, 2, 15),
        primary=None,
        actor=None,
    )
    interest_notes_create(legal_entities=[book["entity"]], as_of=date(2026, 3, 1), actor=None)
    (line,) = InterestNoteLine.objects.all()
    assert (line.base, line.amount) == (D("600.00"), D("9.00"))


def test_interest_code_refuses_overlapping_ranges(db):
    with pytest.raises(InvalidInput, match="Ranges overlap: 1–30 and 20–no end"):
        _code(ranges=[(1, 30, D("1")), (20, None, D("2"))])
    with pytest.raises(InvalidInput, match="Ranges overlap: 1–no end and 31–60"):
        _code(ranges=[(1, None, D("1")), (31, 60, D("2"))])
    with pytest.raises(InvalidInput, match="'to' is before 'from'"):
        _code(ranges=[(10, 5, D("1"))])
    with pytest.raises(InvalidInput, match="at least one range"):
        interest_code_save(code="X", actor=None, ranges=[])
    assert not InterestCode.objects.exists()


def test_interest_note_post_waive_reinstate_reverse(book):
    entity, customer = book["entity"], book["customer"]
    customer.interest_code = _code(currencies=[("USD", D("5.00"), D("0"))])
    customer.save()
    _invoice(customer)
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 4, 15), actor=None)
    note = InterestNote.objects.get()
    assert note.total == D("35.00")

    note = interest_note_waive(note=note, actor=None, reason="Good customer")
    assert note.status == "waived"
    assert not note.lines.filter(charged=True).exists()
    with pytest.raises(InvalidTransition, match="waived: it cannot become posted"):
        interest_note_post(note=note, actor=None)
    note = interest_note_reinstate(note=note, actor=None)
    assert note.lines.filter(charged=True).count() == 1
    note = interest_note_post(note=note, actor=None)
    assert note.number == "FAB-INT00000001"
    lines = {
        e.posting_type: (e.amount, e.accounting_amount)
        for e in LedgerEntry.objects.filter(voucher=note.voucher)
    }
    assert lines == {
        "customer_balance": (D("35.00"), D("35.00")),
        "interest": (D("-35.00"), D("-35.00")),
    }
    ot = note.open_transaction
    assert (ot.kind, ot.amount, ot.open_amount, ot.due_date) == (
        "interest_note",
        D("35.00"),
        D("35.00"),
        date(2026, 5, 15),
    )
    with pytest.raises(InvalidTransition, match="posted: it cannot become waived"):
        interest_note_waive(note=note, actor=None)

    note = interest_note_reverse(note=note, actor=None)
    assert note.status == "reversed"
    ot.refresh_from_db()
    assert ot.open_amount == 0 and ot.closed_on is not None
    balance = sum(
        e.accounting_amount
        for e in LedgerEntry.objects.filter(legal_entity=entity, posting_type="interest")
    )
    assert balance == 0


def test_interest_notes_create_charges_a_waived_note_again_and_then_refuses_to_reinstate_it(book):
    """A waived note counts as not charged: the next run, even as of the same date, charges its
    months again with the fee; the waived note can no longer be reinstated (that would charge
    February and March twice)."""
    entity, customer = book["entity"], book["customer"]
    customer.interest_code = _code(currencies=[("USD", D("5.00"), D("0"))])
    customer.save()
    _invoice(customer)
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 4, 15), actor=None)
    waived = interest_note_waive(note=InterestNote.objects.get(), actor=None)
    result = interest_notes_create(legal_entities=[entity], as_of=date(2026, 4, 15), actor=None)
    assert result["notes"] == 1
    again = InterestNote.objects.exclude(pk=waived.pk).get()
    (line,) = again.lines.all()
    assert (line.period_start, line.period_end, line.amount) == (
        date(2026, 2, 1),
        date(2026, 3, 31),
        D("30.00"),
    )
    assert (again.interest, again.minimum_adjustment, again.fee, again.total) == (
        D("30.00"),
        D("0.00"),
        D("5.00"),
        D("35.00"),
    )
    with pytest.raises(InterestChargedAgain, match=r"interest note \d+ has charged FAB-"):
        interest_note_reinstate(note=waived, actor=None)
    waived.refresh_from_db()
    assert waived.status == "waived"
    assert not waived.lines.filter(charged=True).exists()
    # Waiving the new note instead lets the first one come back.
    interest_note_waive(note=again, actor=None)
    assert interest_note_reinstate(note=waived, actor=None).status == "draft"


def test_interest_notes_create_charges_a_reversed_note_again(book):
    entity, customer = book["entity"], book["customer"]
    customer.interest_code = _code()
    customer.save()
    _invoice(customer)
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 4, 15), actor=None)
    note = interest_note_post(note=InterestNote.objects.get(), actor=None)
    interest_note_reverse(note=note, actor=None)
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 5, 5), actor=None)
    latest = InterestNote.objects.order_by("-pk").first()
    (line,) = latest.lines.all()
    assert (line.period_start, line.period_end, line.months, line.amount) == (
        date(2026, 2, 1),
        date(2026, 4, 30),
        3,
        D("45.00"),
    )


def test_posted_interest_note_settles_like_an_invoice_and_then_cannot_be_reversed(book):
    from settlement.services import SettlementLineInput, settlement_create

    entity, customer = book["entity"], book["customer"]
    customer.interest_code = _code()
    customer.save()
    _invoice(customer)
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 4, 15), actor=None)
    note = interest_note_post(note=InterestNote.objects.get(), actor=None)
    payment = post_payment(customer, amount="30.00", on=date(2026, 4, 20))
    settlement_create(
        lines=[
            SettlementLineInput(note.open_transaction.pk),
            SettlementLineInput(payment.open_transaction.pk),
        ],
        on=date(2026, 4, 20),
        primary=None,
        actor=None,
    )
    ot = OpenTransaction.objects.get(interest_note=note)
    assert ot.open_amount == 0
    with pytest.raises(DocumentSettled, match="reverse its settlements first"):
        interest_note_reverse(note=note, actor=None)


def test_interest_notes_only_in_granted_entities(book):
    from entities.exceptions import EntityAccessDenied
    from tests.conftest import make_clerk

    other = LegalEntityFactory(code="FABW")
    clerk = make_clerk("clerk-w", other)
    with pytest.raises(EntityAccessDenied):
        interest_notes_create(legal_entities=[book["entity"]], as_of=date(2026, 4, 1), actor=clerk)


def test_admin_saves_an_interest_code_through_its_service(client, admin_user):
    from core.models import AuditEntry

    client.force_login(admin_user)

    def form(ranges):
        data = {
            "code": "ADM",
            "name": "From the admin",
            "charge_per": "day",
            "ranges_by": "day",
            "grace_days": "3",
            "ranges-TOTAL_FORMS": str(len(ranges)),
            "ranges-INITIAL_FORMS": "0",
            "currencies-TOTAL_FORMS": "1",
            "currencies-INITIAL_FORMS": "0",
            "currencies-0-currency": "USD",
            "currencies-0-fixed_fee": "2.50",
            "currencies-0-minimum_interest": "0",
        }
        for i, (start, end, percent) in enumerate(ranges):
            data[f"ranges-{i}-from_overdue"] = str(start)
            data[f"ranges-{i}-to_overdue"] = "" if end is None else str(end)
            data[f"ranges-{i}-percent"] = percent
        return data

    refused = client.post(
        "/admin/receivables/interestcode/add/", form([(1, 30, "0.05"), (20, None, "0.1")])
    )
    assert refused.status_code == 200
    assert "Ranges overlap" in refused.content.decode()
    assert not InterestCode.objects.exists()
    saved = client.post(
        "/admin/receivables/interestcode/add/", form([(1, 30, "0.05"), (31, None, "0.1")])
    )
    assert saved.status_code == 302
    code = InterestCode.objects.get(code="ADM")
    assert [(r.from_overdue, r.to_overdue) for r in code.ranges.all()] == [(1, 30), (31, None)]
    assert code.currencies.get().fixed_fee == D("2.50")
    assert AuditEntry.objects.filter(action="interest_code.saved", object_id=str(code.pk)).exists()


def test_fee_and_minimum_come_once_a_month_however_often_the_job_runs(book):
    """0.01 %/day on 1,000.00 (0.10 a day), minimum 10.00, fee 2.00: the first note of March
    is 2.90 raised to 10.00, plus 2.00; the next two days' 0.10 each stay within March's minimum
    (notes of total zero); April's first note gets minimum and fee again. March charges 12.00 in
    all, as one run on March 3 does."""
    customer = book["customer"]
    customer.interest_code = _code(
        charge_per="day",
        ranges=[(1, None, D("0.01"))],
        currencies=[("USD", D("2.00"), D("10.00"))],
    )
    customer.save()
    _invoice(customer, "1000.00")  # due 2026-01-31
    for day in (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3), date(2026, 4, 1)):
        interest_notes_create(legal_entities=[book["entity"]], as_of=day, actor=None)
    totals = [
        (n.date, n.interest, n.minimum_adjustment, n.fee, n.total)
        for n in InterestNote.objects.order_by("date")
    ]
    assert totals == [
        (date(2026, 3, 1), D("2.90"), D("7.10"), D("2.00"), D("12.00")),
        (date(2026, 3, 2), D("0.10"), D("-0.10"), D("0.00"), D("0.00")),
        (date(2026, 3, 3), D("0.10"), D("-0.10"), D("0.00"), D("0.00")),
        (date(2026, 4, 1), D("2.90"), D("7.10"), D("2.00"), D("12.00")),
    ]


def test_interest_note_in_a_foreign_currency_posts_at_its_dates_rate(book):
    """A EUR note of 15.00 on 2026-04-15 at 1.2277 is 18.42 USD; without a rate on that date
    nothing is posted and the note stays a draft."""
    from entities.exceptions import ExchangeRateMissing
    from entities.models import ExchangeRate
    from tests.factories.entities import ExchangeRateFactory

    customer = book["customer"]
    customer.interest_code = _code()
    customer.save()
    ExchangeRateFactory(rate=D("1.2062"), valid_from=date(2026, 1, 1))
    post_invoice(customer, amounts=("500.00",), on=JAN1, currency="EUR", terms=book["terms"])
    interest_notes_create(legal_entities=[book["entity"]], as_of=date(2026, 4, 15), actor=None)
    note = InterestNote.objects.get()
    assert (note.currency, note.total) == ("EUR", D("15.00"))
    ExchangeRate.objects.all().delete()
    with pytest.raises(ExchangeRateMissing, match="EUR→USD on 2026-04-15"):
        interest_note_post(note=note, actor=None)
    note.refresh_from_db()
    assert note.status == "draft" and not LedgerEntry.objects.filter(posting_type="interest")
    ExchangeRateFactory(rate=D("1.2277"), valid_from=date(2026, 4, 1))
    note = interest_note_post(note=note, actor=None)
    entry = LedgerEntry.objects.get(voucher=note.voucher, posting_type="customer_balance")
    assert (entry.amount, entry.accounting_amount) == (D("15.00"), D("18.42"))
    assert note.open_transaction.accounting_amount == D("18.42")


def _bench_code():
    """The interest code of the reproduced defect: 0.03 %/day for days 1–30, 0.05 % for days
    31–60, 0.08 % from day 61; USD fee 2.50, minimum 1.00."""
    return _code(
        "BENCHI",
        charge_per="day",
        ranges=[(1, 30, D("0.03")), (31, 60, D("0.05")), (61, None, D("0.08"))],
        currencies=[("USD", D("2.50"), D("1.00"))],
    )


def _twin_books(count):
    """Two legal entities with the same customers (interest code BENCHI, N30)."""
    code = _bench_code()
    terms = PaymentTermsFactory(code="N30", net_days=30)
    books = []
    for entity_code in ("ONE", "TWO"):
        entity = LegalEntityFactory(code=entity_code)
        customers = [
            CustomerFactory(
                legal_entity=entity, account=f"4{n:03d}", payment_terms=terms, interest_code=code
            )
            for n in range(count)
        ]
        books.append((entity, customers))
    return books


def _charged(entity):
    live = InterestNote.objects.filter(legal_entity=entity).exclude(
        status__in=["waived", "reversed"]
    )
    return (
        sum((n.interest for n in live), D("0")),
        sum((n.total for n in live), D("0")),
    )


def test_interest_notes_create_one_run_or_two_charge_the_same_reproduced_example(db):
    """100.50 due 2026-06-29 at 0.03 %/day: one run as of 07-20 charges 0.63 raised to the 1.00
    minimum, plus the 2.50 fee: 3.50. Runs as of 07-10 (0.33 → 1.00 + 2.50) and 07-20 charge
    3.50 too: the second note adds 0.30 of interest, which July's minimum already covers."""
    (one, (a,)), (two, (b,)) = _twin_books(1)
    for customer in (a, b):
        post_invoice(
            customer, amounts=("100.50",), on=date(2026, 5, 30), terms=customer.payment_terms
        )
    assert OpenTransaction.objects.filter(due_date=date(2026, 6, 29)).count() == 2
    interest_notes_create(legal_entities=[one], as_of=date(2026, 7, 20), actor=None)
    interest_notes_create(legal_entities=[two], as_of=date(2026, 7, 10), actor=None)
    interest_notes_create(legal_entities=[two], as_of=date(2026, 7, 20), actor=None)

    (single,) = InterestNote.objects.filter(legal_entity=one)
    assert (single.interest, single.minimum_adjustment, single.fee, single.total) == (
        D("0.63"),
        D("0.37"),
        D("2.50"),
        D("3.50"),
    )
    notes = [
        (n.date, n.interest, n.minimum_adjustment, n.fee, n.total)
        for n in InterestNote.objects.filter(legal_entity=two).order_by("date")
    ]
    assert notes == [
        (date(2026, 7, 10), D("0.33"), D("0.67"), D("2.50"), D("3.50")),
        (date(2026, 7, 20), D("0.30"), D("-0.30"), D("0.00"), D("0.00")),
    ]
    assert _charged(one) == _charged(two) == (D("0.63"), D("3.50"))
    # The interest of the two lines was rounded once over both periods: 100.50 × 0.03 % × 21
    # days = 0.63315 → 0.63 (per line 0.33165 → 0.33 and 0.3015 → 0.30).
    lines = InterestNoteLine.objects.filter(note__legal_entity=two).order_by("note_id")
    assert [x.amount for x in lines] == [
        D("0.33"),
        D("0.30"),
    ]


def test_interest_notes_create_rounds_once_per_invoice_however_often_it_runs(db):
    """Two identical books of 12 invoices: one run as of 2026-06-30, or runs every ten days in
    June, charge each invoice round(its exact interest since its due date), and each customer
    max(the month's interest, 1.00) + 2.50: the same figures, worked out here without the
    service."""
    (one, first), (two, second) = _twin_books(3)
    dues = [date(2026, 6, 30) - timedelta(days=1 + 17 * k) for k in range(4)]
    invoices = []
    for i in range(12):
        amount = f"{100 + 37 * i}.50"
        due = dues[i % 4]
        for customer in (first[i % 3], second[i % 3]):
            post_invoice(
                customer,
                amounts=(amount,),
                on=due - timedelta(days=30),
                terms=customer.payment_terms,
            )
        invoices.append((i % 3, D(amount), due))
    for day in (10, 20, 30):
        interest_notes_create(legal_entities=[two], as_of=date(2026, 6, day), actor=None)
    interest_notes_create(legal_entities=[one], as_of=date(2026, 6, 30), actor=None)

    def exact(amount, due):  # 0.03 % for days 1–30, 0.05 % for 31–60, 0.08 % from day 61
        days = (date(2026, 6, 30) - due).days
        rates = [D("0.03")] * min(days, 30) + [D("0.05")] * max(0, min(days, 60) - 30)
        rates += [D("0.08")] * max(0, days - 60)
        return sum(amount * rate / 100 for rate in rates)

    from core.money import quantize

    per_customer = [D("0")] * 3
    for customer, amount, due in invoices:
        per_customer[customer] += quantize(exact(amount, due), "USD")
    interest = sum(per_customer)
    # The 10 June run is the month's first: minimum and fee once per customer.
    total = sum(max(x, D("1.00")) + D("2.50") for x in per_customer)
    assert _charged(one) == _charged(two) == (interest, total)
    per_invoice = {}
    for line in InterestNoteLine.objects.filter(note__legal_entity=two):
        per_invoice[line.document_number] = per_invoice.get(line.document_number, 0) + line.amount
    assert sorted(per_invoice.values()) == sorted(
        quantize(exact(amount, due), "USD") for _, amount, due in invoices
    )


def test_interest_days_once_charged_keep_their_base_and_percent(book):
    """0.1 %/day on 1,000.00 due 2026-01-31: 10 days to 02-10 are 10.00. Then 600.00 is paid
    and the percent raised to 0.2 %: the next 10 days are 10 × 400.00 × 0.2 % = 8.00, and the
    first 10 days are not re-priced."""
    from settlement.services import SettlementLineInput, settlement_create

    entity, customer = book["entity"], book["customer"]
    customer.interest_code = _code(charge_per="day", ranges=[(1, None, D("0.1"))])
    customer.save()
    invoice = _invoice(customer, "1000.00")
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 2, 10), actor=None)
    payment = post_payment(customer, amount="600.00", on=date(2026, 2, 12))
    settlement_create(
        lines=[
            SettlementLineInput(invoice.open_transaction.pk),
            SettlementLineInput(payment.open_transaction.pk),
        ],
        on=date(2026, 2, 12),
        primary=None,
        actor=None,
    )
    _code(charge_per="day", ranges=[(1, None, D("0.2"))], instance=customer.interest_code)
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 2, 20), actor=None)
    lines = [
        (x.period_start, x.period_end, x.base, x.percent, x.amount)
        for x in InterestNoteLine.objects.order_by("period_start")
    ]
    assert lines == [
        (date(2026, 2, 1), date(2026, 2, 10), D("1000.00"), D("0.1"), D("10.00")),
        (date(2026, 2, 11), date(2026, 2, 20), D("400.00"), D("0.2"), D("8.00")),
    ]


def test_interest_note_of_total_zero_posts_without_a_voucher_and_reverses(book):
    """A note whose interest the month's minimum already covers totals zero: posting gives it a
    number and books nothing; reversing it makes its days uncharged, so the next run charges
    them again (still within March's minimum)."""
    entity, customer = book["entity"], book["customer"]
    customer.interest_code = _code(
        charge_per="day",
        ranges=[(1, None, D("0.01"))],
        currencies=[("USD", D("2.00"), D("10.00"))],
    )
    customer.save()
    _invoice(customer, "1000.00")
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 3, 1), actor=None)
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 3, 2), actor=None)
    zero = InterestNote.objects.get(date=date(2026, 3, 2))
    assert (zero.interest, zero.minimum_adjustment, zero.total) == (
        D("0.10"),
        D("-0.10"),
        D("0.00"),
    )
    vouchers = LedgerEntry.objects.count()
    zero = interest_note_post(note=zero, actor=None)
    assert (zero.status, zero.number, zero.voucher) == ("posted", "FAB-INT00000001", None)
    assert LedgerEntry.objects.count() == vouchers
    assert not OpenTransaction.objects.filter(interest_note=zero).exists()
    zero = interest_note_reverse(note=zero, actor=None)
    assert (zero.status, zero.reversal_voucher) == ("reversed", None)
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 3, 2), actor=None)
    again = InterestNote.objects.order_by("-pk").first()
    (line,) = again.lines.all()
    assert (line.period_start, line.period_end, line.amount, again.total) == (
        date(2026, 3, 2),
        date(2026, 3, 2),
        D("0.10"),
        D("0.00"),
    )


def test_interest_note_detail_shows_what_the_months_minimum_covers(book, client, admin_user):
    from django.urls import reverse

    customer = book["customer"]
    customer.interest_code = _code(
        charge_per="day",
        ranges=[(1, None, D("0.01"))],
        currencies=[("USD", D("2.00"), D("10.00"))],
    )
    customer.save()
    _invoice(customer, "1000.00")
    for day in (1, 2):
        interest_notes_create(legal_entities=[book["entity"]], as_of=date(2026, 3, day), actor=None)
    first, second = InterestNote.objects.order_by("date")
    client.force_login(admin_user)
    page = client.get(reverse("interest-note-detail", args=[first.pk])).content.decode()
    assert "Raised to the month's minimum" in page and "7.10" in page
    page = client.get(reverse("interest-note-detail", args=[second.pk])).content.decode()
    assert "Already covered by the month's minimum" in page and "-0.10" in page


def _at_once(*calls):
    """Run the calls in threads released together; the errors they raised, by call."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(calls))
    errors: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            call()
        except Exception as exc:  # reported to the test
            errors[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.postgresql("row locks taken by threads on their own connections")
@pytest.mark.django_db(transaction=True)
def test_interest_notes_create_twice_at_once_charges_once():
    """Two runs at the same moment (bypassing the job claim): the invoice locks let one run
    charge and the other find nothing left; the book is charged what one run charges."""
    code = _bench_code()
    terms = PaymentTermsFactory(code="N30", net_days=30)
    entity = LegalEntityFactory(code="FAB")
    for n in range(6):
        customer = CustomerFactory(
            legal_entity=entity, account=f"40{n}", payment_terms=terms, interest_code=code
        )
        post_invoice(customer, amounts=(f"{100 + n}.50",), on=date(2026, 5, 30), terms=terms)

    def run():
        interest_notes_create(legal_entities=[entity], as_of=date(2026, 7, 20), actor=None)

    assert _at_once(run, run) == [None, None]
    # Each invoice: (100 + n).50 × 0.03 % × 21 days, rounded once; per customer the minimum
    # 1.00 and the fee 2.50.
    assert InterestNote.objects.count() == 6
    assert [n.interest for n in InterestNote.objects.order_by("customer__account")] == [
        D("0.63"),
        D("0.64"),
        D("0.65"),
        D("0.65"),
        D("0.66"),
        D("0.66"),
    ]
    assert _charged(entity) == (D("3.89"), D("21.00"))


@pytest.mark.postgresql("row locks taken by threads on their own connections")
@pytest.mark.django_db(transaction=True)
def test_interest_note_reinstate_racing_a_run_never_charges_a_day_twice():
    """A waived note is reinstated while a run charges its days again: whichever commits first
    wins; the other finds the days charged (the reinstatement is refused, or the run adds
    nothing), and the invoice is charged its interest once."""
    entity = LegalEntityFactory(code="FAB")
    terms = PaymentTermsFactory(code="N30", net_days=30)
    customer = CustomerFactory(
        legal_entity=entity, account="4000", payment_terms=terms, interest_code=_code()
    )
    _invoice(customer)
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 4, 15), actor=None)
    waived = interest_note_waive(note=InterestNote.objects.get(), actor=None)

    errors = _at_once(
        lambda: interest_notes_create(legal_entities=[entity], as_of=date(2026, 4, 15), actor=None),
        lambda: interest_note_reinstate(note=waived, actor=None),
    )
    assert errors[0] is None
    assert errors[1] is None or isinstance(errors[1], InterestChargedAgain), errors
    charged = InterestNoteLine.objects.filter(charged=True)
    assert sum(line.amount for line in charged) == D("30.00")
    assert [(x.period_start, x.period_end) for x in charged] == [
        (date(2026, 2, 1), date(2026, 3, 31))
    ]
