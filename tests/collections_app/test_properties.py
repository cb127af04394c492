"""Ledger invariants under random collections work (hypothesis): invoices and payments in two
currencies, interest notes calculated, posted, waived or reversed, partial write-offs,
disputes, settlements. After every step each entity's trial balance is zero, its
customer-balance account equals its open accounting amounts, no open amount crosses zero, and no
invoice has two charged interest lines over the same day."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collections_app.services import dispute_open, write_off_create
from core.errors import ApplicationError
from entities.services import legal_entity_update
from receivables.models import InterestNote, InterestNoteLine, OpenTransaction
from receivables.services import (
    InterestRangeInput,
    interest_code_save,
    interest_note_post,
    interest_note_reverse,
    interest_note_waive,
    interest_notes_create,
)
from settlement.services import SettlementLineInput, settlement_create
from tests.factories.entities import ExchangeRateFactory, PaymentTermsFactory
from tests.factories.receivables import post_invoice, post_payment
from tests.settlement.test_properties import ENTITIES, assert_invariants

DAY0 = date(2026, 1, 1)

step = st.one_of(
    st.fixed_dictionaries(
        {
            "do": st.just("invoice"),
            "entity": st.sampled_from(ENTITIES),
            "currency": st.sampled_from(["USD", "EUR"]),
            "amount": st.integers(min_value=1, max_value=100_000).map(lambda n: Decimal(n) / 100),
            "day": st.integers(min_value=0, max_value=60),
        }
    ),
    st.fixed_dictionaries(
        {
            "do": st.just("payment"),
            "entity": st.sampled_from(ENTITIES),
            "currency": st.sampled_from(["USD", "EUR"]),
            "amount": st.integers(min_value=1, max_value=100_000).map(lambda n: Decimal(n) / 100),
            "day": st.integers(min_value=0, max_value=60),
        }
    ),
    st.fixed_dictionaries(
        {"do": st.just("interest"), "day": st.integers(min_value=40, max_value=200)}
    ),
    st.fixed_dictionaries(
        {
            "do": st.sampled_from(["post_note", "waive_note", "reverse_note"]),
            "pick": st.integers(min_value=0, max_value=1000),
        }
    ),
    st.fixed_dictionaries(
        {
            "do": st.sampled_from(["write_off", "dispute"]),
            "pick": st.integers(min_value=0, max_value=1000),
            "percent": st.integers(min_value=1, max_value=100),
        }
    ),
    st.fixed_dictionaries(
        {
            "do": st.just("settle"),
            "currency": st.sampled_from(["USD", "EUR"]),
            "picks": st.lists(st.integers(min_value=0, max_value=1000), min_size=2, max_size=4),
        }
    ),
)


def _pick(queryset, index):
    items = list(queryset.order_by("pk"))
    return items[index % len(items)] if items else None


def _assert_interest_periods_disjoint():
    spans: dict[int, list[tuple[date, date]]] = {}
    charged = InterestNoteLine.objects.filter(charged=True)  # a waived note's days come back
    for line in charged.order_by("open_transaction_id", "period_start"):
        spans.setdefault(line.open_transaction_id, []).append((line.period_start, line.period_end))
    for periods in spans.values():
        for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
            assert start > end, "an invoice charged twice for a day"


@pytest.mark.django_db
def test_random_collections_work_keeps_the_books_sound(fabrikam):
    for offset, rate in enumerate(("1.2062", "1.2277", "1.1893")):
        ExchangeRateFactory(rate=Decimal(rate), valid_from=DAY0 + timedelta(days=30 * offset))
    terms = PaymentTermsFactory()
    code = interest_code_save(
        code="P",
        charge_per="day",
        ranges=[
            InterestRangeInput(1, 30, Decimal("0.05")),
            InterestRangeInput(31, None, Decimal("0.1")),
        ],
        actor=None,
    )
    for code_ in ENTITIES:
        legal_entity_update(
            legal_entity=fabrikam[code_], data={"max_write_off": Decimal("500.00")}, actor=None
        )
        customer = fabrikam["customers"][code_]
        customer.interest_code = code
        customer.payment_terms = terms
        customer.save()
    done: dict[str, int] = {}

    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(step, min_size=3, max_size=12))
    def run(steps):
        for s in steps:
            try:
                _apply(s, fabrikam, terms)
                done[s["do"]] = done.get(s["do"], 0) + 1
            except ApplicationError as error:
                assert error.http_status in (400, 409), error
            assert_invariants(fabrikam)
            _assert_interest_periods_disjoint()

    run()
    for kind in ("interest", "post_note", "write_off", "settle"):
        assert done.get(kind, 0) >= 3, done


def _apply(s, fabrikam, terms):
    kind = s["do"]
    if kind in ("invoice", "payment"):
        customer = fabrikam["customers"][s["entity"]]
        on = DAY0 + timedelta(days=s["day"])
        if kind == "invoice":
            post_invoice(
                customer, amounts=[str(s["amount"])], on=on, currency=s["currency"], terms=terms
            )
        else:
            post_payment(customer, amount=str(s["amount"]), on=on, currency=s["currency"])
    elif kind == "interest":
        entities = [fabrikam[c] for c in ENTITIES]
        interest_notes_create(
            legal_entities=entities, as_of=DAY0 + timedelta(days=s["day"]), actor=None
        )
    elif kind in ("post_note", "waive_note"):
        note = _pick(InterestNote.objects.filter(status="draft"), s["pick"])
        if note is not None:
            (interest_note_post if kind == "post_note" else interest_note_waive)(
                note=note, actor=None
            )
    elif kind == "reverse_note":
        note = _pick(InterestNote.objects.filter(status="posted"), s["pick"])
        if note is not None:
            interest_note_reverse(note=note, actor=None)
    elif kind == "write_off":
        ot = _pick(OpenTransaction.objects.exclude(open_amount=0), s["pick"])
        if ot is not None:
            amount = (abs(ot.open_amount) * s["percent"] / 100).quantize(Decimal("0.01"))
            write_off_create(
                open_transaction=ot,
                amount=amount if amount > 0 else None,
                reason="random",
                actor=None,
                on=DAY0 + timedelta(days=90),
            )
    elif kind == "dispute":
        ot = _pick(OpenTransaction.objects.filter(kind="invoice", open_amount__gt=0), s["pick"])
        if ot is not None:
            dispute_open(open_transaction=ot, reason="random", actor=None)
    else:
        candidates = list(
            OpenTransaction.objects.exclude(open_amount=0)
            .filter(currency=s["currency"])
            .order_by("pk")
        )
        if len(candidates) >= 2:
            chosen = {candidates[p % len(candidates)].pk for p in s["picks"]}
            settlement_create(
                lines=[SettlementLineInput(pk) for pk in sorted(chosen)],
                on=DAY0 + timedelta(days=80),
                primary=None,
                actor=None,
            )
