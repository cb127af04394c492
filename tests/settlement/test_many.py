"""``settlements_create``: many settlements in one call post exactly what ``settlement_create``
posts for each, all or nothing, with a number of statements that does not grow with them."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEntry
from ledger.models import LedgerEntry
from ledger.selectors import ledger_integrity_problems
from receivables.models import OpenTransaction
from settlement.exceptions import SettlementInvalid, TransactionChanged
from settlement.models import Settlement
from settlement.services import (
    SettlementLineInput,
    SettlementRequest,
    settlement_create,
    settlements_create,
)
from tests.factories.entities import (
    CashDiscountFactory,
    ExchangeRateFactory,
    PaymentTermsFactory,
    SalesTaxCodeFactory,
)
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db
D = Decimal
MAR9 = date(2026, 3, 9)


def ot_pk(document) -> int:
    return document.open_transaction.pk


def _a4_shaped(fabrikam, tax, terms, disc):
    """A4: a EUR payment in FAB for a FABE invoice with tax and a 2 % cash discount, settled
    with an exchange gain; and a second invoice of FABW paid short on the same payment."""
    customers = fabrikam["customers"]
    invoice = post_invoice(
        customers["FABE"],
        amounts=["600.00"],
        currency="EUR",
        tax_code=tax,
        terms=terms,
        cash_discount=disc,
    )
    other = post_invoice(customers["FABW"], amounts=["100.00"], currency="EUR")
    payment = post_payment(customers["FAB"], amount="676.22", currency="EUR")
    return [
        SettlementLineInput(ot_pk(payment)),
        SettlementLineInput(ot_pk(invoice)),
        SettlementLineInput(ot_pk(other), amount=D("50.00")),
    ], ot_pk(payment)


def _shape(settlement: Settlement) -> dict:
    """What a settlement posted, without its ids: its lines and its ledger lines."""
    lines = sorted(
        (
            line.open_transaction.document_number.split("-")[0],
            line.settled_amount,
            line.cash_discount,
            line.payment_difference,
            line.amount,
            line.accounting_amount,
            line.fx_difference,
        )
        for line in settlement.lines.select_related("open_transaction")
    )
    entries = sorted(
        (
            e.legal_entity.code,
            e.account.number,
            e.posting_type,
            e.currency,
            e.amount,
            e.accounting_amount,
        )
        for e in LedgerEntry.objects.filter(voucher__in=settlement.vouchers.all()).select_related(
            "legal_entity", "account"
        )
    )
    return {"lines": lines, "entries": entries, "vouchers": settlement.vouchers.count()}


@pytest.fixture
def a4_setup(fabrikam):
    ExchangeRateFactory(rate=D("1.2062"), valid_from=date(2026, 3, 2))
    ExchangeRateFactory(rate=D("1.2277"), valid_from=MAR9)
    return (
        SalesTaxCodeFactory(code="VAT6", percent=D("6.37")),
        PaymentTermsFactory(),
        CashDiscountFactory(),
    )


def test_many_settlements_post_what_each_would_post_alone(fabrikam, a4_setup):
    # The same two settlements (with a primary payment, and without) twice: alone, together.
    alone = []
    for with_primary in (True, False):
        lines, payment = _a4_shaped(fabrikam, *a4_setup)
        primary = payment if with_primary else None
        alone.append(settlement_create(lines=lines, on=MAR9, primary=primary, actor=None))
    requests = []
    for with_primary in (True, False):
        lines, payment = _a4_shaped(fabrikam, *a4_setup)
        requests.append(SettlementRequest(lines, payment if with_primary else None))

    together = settlements_create(requests=requests, on=MAR9, actor=None)

    assert [_shape(s) for s in together] == [_shape(s) for s in alone]
    assert [s.primary_payment_id for s in together] == [requests[0].primary, None]
    # Each settlement has its own vouchers and an audit row naming its entities.
    vouchers = [set(s.vouchers.values_list("pk", flat=True)) for s in together]
    assert vouchers[0] and vouchers[1] and not vouchers[0] & vouchers[1]
    for settlement in together:
        (entry,) = AuditEntry.objects.filter(action="settlement.posted", object_id=settlement.pk)
        assert set(entry.legal_entities.values_list("code", flat=True)) == {"FAB", "FABE", "FABW"}
        assert len(entry.changes) == 3
    assert ledger_integrity_problems() == []


def _requests(fabrikam, count: int) -> list[SettlementRequest]:
    customers = fabrikam["customers"]
    requests = []
    for i in range(count):
        invoice = post_invoice(customers[("FAB", "FABE", "FABW")[i % 3]], amounts=["10.00"])
        payment = post_payment(customers["FAB"], amount="10.00")
        requests.append(
            SettlementRequest(
                [SettlementLineInput(ot_pk(payment)), SettlementLineInput(ot_pk(invoice))],
                ot_pk(payment),
            )
        )
    return requests


def test_the_statements_do_not_grow_with_the_settlements(fabrikam):
    settlements_create(requests=_requests(fabrikam, 2), on=MAR9, actor=None)  # warm caches
    counts = []
    for size in (3, 30):
        requests = _requests(fabrikam, size)
        with CaptureQueriesContext(connection) as queries:
            settlements_create(requests=requests, on=MAR9, actor=None)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 16, counts
    assert not OpenTransaction.objects.filter(amount=D("10.00")).exclude(open_amount=0).exists()


def test_one_refused_request_refuses_the_call_and_names_it(fabrikam):
    requests = _requests(fabrikam, 3)
    closed = requests[2].lines[1].transaction
    # The third request's invoice is settled meanwhile; it now comes with another payment.
    settlement_create(lines=requests[2].lines, on=MAR9, primary=None, actor=None)
    payment = post_payment(fabrikam["customers"]["FAB"], amount="10.00")
    requests[2] = SettlementRequest(
        [SettlementLineInput(ot_pk(payment)), SettlementLineInput(closed)]
    )
    before = Settlement.objects.count()

    with pytest.raises(TransactionChanged) as refused:
        settlements_create(requests=requests, on=MAR9, actor=None)

    assert refused.value.message.startswith("requests[2]: Transaction ")
    assert Settlement.objects.count() == before
    first = OpenTransaction.objects.get(pk=requests[0].lines[1].transaction)
    assert first.open_amount == D("10.00")


def test_a_transaction_marked_by_two_requests_is_refused(fabrikam):
    one, two = _requests(fabrikam, 2)
    two = SettlementRequest([two.lines[0], one.lines[1]], two.primary)
    with pytest.raises(SettlementInvalid) as refused:
        settlements_create(requests=[one, two], on=MAR9, actor=None)
    assert refused.value.field == "requests"
    with pytest.raises(SettlementInvalid, match=r"^requests\[1\]: Mark the transactions"):
        settlements_create(requests=[one, SettlementRequest([])], on=MAR9, actor=None)
    with pytest.raises(SettlementInvalid, match="at least one"):
        settlements_create(requests=[], on=MAR9, actor=None)
