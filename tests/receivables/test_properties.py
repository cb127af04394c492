"""Every posted document's voucher balances, and per entity the customer-balance account equals
the sum of open accounting amounts, whatever documents are posted (hypothesis)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.aggregates import DecimalSum
from ledger.models import LedgerEntry
from ledger.selectors import entity_accounting_total
from receivables.models import OpenTransaction
from tests.factories.entities import ExchangeRateFactory, SalesTaxCodeFactory
from tests.factories.receivables import post_credit_note, post_invoice, post_payment

CURRENCIES = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3}
DAY0 = date(2026, 1, 1)


def amount(places: int):
    unit = Decimal(1).scaleb(-places)
    return st.integers(min_value=1, max_value=10**7).map(lambda n: str(n * unit))


@st.composite
def documents(draw):
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    places = CURRENCIES[currency]
    return {
        "kind": draw(st.sampled_from(["invoice", "credit_note", "payment"])),
        "entity": draw(st.sampled_from(["FAB", "FABE", "FABW"])),
        "currency": currency,
        "amounts": draw(st.lists(amount(places), min_size=1, max_size=4)),
        "taxed": draw(st.booleans()),
        "day": draw(st.integers(min_value=0, max_value=90)),
    }


@pytest.mark.django_db
def test_posted_documents_keep_ledger_and_open_items_in_step(fabrikam):
    for currency, rates in (
        ("EUR", ("1.2062", "1.2277")),
        ("JPY", ("0.0067", "0.0069")),
        ("KWD", ("3.2511", "3.2617")),
    ):
        for offset, rate in enumerate(rates):
            ExchangeRateFactory(
                from_currency=currency,
                rate=Decimal(rate),
                valid_from=DAY0 + timedelta(days=45 * offset),
            )
    tax = SalesTaxCodeFactory(code="T637", percent=Decimal("6.37"))
    entities = [fabrikam[c] for c in ("FAB", "FABE", "FABW")]

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(documents(), min_size=1, max_size=4))
    def run(specs):
        for spec in specs:
            customer = fabrikam["customers"][spec["entity"]]
            on = DAY0 + timedelta(days=spec["day"])
            if spec["kind"] == "invoice":
                document = post_invoice(
                    customer,
                    amounts=spec["amounts"],
                    on=on,
                    currency=spec["currency"],
                    tax_code=tax if spec["taxed"] else None,
                )
            elif spec["kind"] == "credit_note":
                document = post_credit_note(
                    customer, amounts=spec["amounts"], on=on, currency=spec["currency"]
                )
            else:
                document = post_payment(
                    customer, amount=spec["amounts"][0], on=on, currency=spec["currency"]
                )
            entries = LedgerEntry.objects.filter(voucher=document.voucher)
            assert sum(e.amount for e in entries) == 0
            assert sum(e.accounting_amount for e in entries) == 0
        for entity in entities:
            assert entity_accounting_total(legal_entity=entity) == 0
            balance = (
                LedgerEntry.objects.filter(
                    legal_entity=entity, posting_type="customer_balance"
                ).aggregate(s=DecimalSum("accounting_amount"))["s"]
                or 0
            )
            opened = (
                OpenTransaction.objects.filter(legal_entity=entity).aggregate(
                    s=DecimalSum("open_accounting_amount")
                )["s"]
                or 0
            )
            assert balance == opened

    run()
