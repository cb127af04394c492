"""``settlement_line_fill``: what marking a transaction fills in on the Settle transactions page
(the amount to settle and the cash discount to take on the settlement date), and the page's
``settle/fill/`` answer."""

from datetime import date
from decimal import Decimal as D

import pytest

from entities.services import legal_entity_update
from receivables.models import OpenTransaction
from settlement.selectors import settlement_open_items
from settlement.services.marking import MarkedLine, settlement_line_fill, settlement_lines_fill
from tests.conftest import make_clerk
from tests.factories.entities import CashDiscountFactory, PaymentTermsFactory, SalesTaxCodeFactory
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db
MAR9 = date(2026, 3, 9)


@pytest.fixture
def a4(fabrikam):
    """Invoice FABE 600.00 + sales tax 38.22 = 638.22 on 2026-03-02, 2 % cash discount of the
    amount before tax within 10 days (12.00); a payment in FAB."""
    invoice = post_invoice(
        fabrikam["customers"]["FABE"],
        amounts=["600.00"],
        tax_code=SalesTaxCodeFactory(code="VAT6", percent=D("6.37")),
        terms=PaymentTermsFactory(),
        cash_discount=CashDiscountFactory(),
    )
    return fabrikam, invoice


def _read(fabrikam, *documents) -> list[OpenTransaction]:
    items = {ot.pk: ot for ot in settlement_open_items(None, fabrikam["party"])}
    return [items[d.open_transaction.pk] for d in documents]


def test_settlement_line_fill_invoice_alone_takes_open_less_discount(a4):
    fabrikam, invoice = a4
    (ot,) = _read(fabrikam, invoice)
    fill = settlement_line_fill(transaction=ot, on=MAR9, marked=[])
    assert (fill.amount, fill.cash_discount) == (D("626.22"), D("12.00"))
    late = settlement_line_fill(transaction=ot, on=date(2026, 3, 13), marked=[])
    assert (late.amount, late.cash_discount) == (D("638.22"), D("0.00"))


def test_settlement_line_fill_invoice_covered_by_the_payment(a4):
    fabrikam, invoice = a4
    payment = post_payment(fabrikam["customers"]["FAB"], amount="626.22")
    ot, pay = _read(fabrikam, invoice, payment)
    fill = settlement_line_fill(transaction=ot, on=MAR9, marked=[MarkedLine(pay)])
    assert (fill.amount, fill.cash_discount) == (D("626.22"), D("12.00"))


def test_settlement_line_fill_invoice_partly_covered_takes_the_partial_discount(a4):
    fabrikam, invoice = a4
    payment = post_payment(fabrikam["customers"]["FAB"], amount="300.00")
    ot, pay = _read(fabrikam, invoice, payment)
    # The payment's amount to settle, typed: 250.00 of its 300.00.
    marked = [MarkedLine(pay, D("250.00"))]
    fill = settlement_line_fill(transaction=ot, on=MAR9, marked=marked)
    assert (fill.amount, fill.cash_discount) == (D("250.00"), D("0.00"))  # FABE: not allowed
    legal_entity_update(
        legal_entity=fabrikam["FABE"], data={"cash_discount_on_partial_payments": True}, actor=None
    )
    ot, pay = _read(fabrikam, invoice, payment)
    fill = settlement_line_fill(transaction=ot, on=MAR9, marked=[MarkedLine(pay, D("250.00"))])
    # 250.00 ÷ (1 − p) × p, p = 2 % × 600.00 ÷ 638.22: 4.79.
    assert (fill.amount, fill.cash_discount) == (D("250.00"), D("4.79"))


def test_settlement_line_fill_payment_offers_its_open_amount(a4):
    fabrikam, invoice = a4
    payment = post_payment(fabrikam["customers"]["FAB"], amount="700.00")
    ot, pay = _read(fabrikam, invoice, payment)
    fill = settlement_line_fill(transaction=pay, on=MAR9, marked=[MarkedLine(ot)])
    assert (fill.amount, fill.cash_discount) == (D("700.00"), None)


def test_settlement_lines_fill_credits_first_then_debits_in_turn(fabrikam):
    first = post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"])
    second = post_invoice(fabrikam["customers"]["FABW"], amounts=["80.00"])
    payment = post_payment(fabrikam["customers"]["FAB"], amount="150.00")
    one, two, pay = _read(fabrikam, first, second, payment)
    fills = settlement_lines_fill(transactions=[one, two, pay], on=MAR9, marked=[])
    assert [(f.transaction.pk, f.amount, f.cash_discount) for f in fills] == [
        (pay.pk, D("150.00"), None),
        (one.pk, D("100.00"), D("0.00")),
        (two.pk, D("50.00"), D("0.00")),
    ]


def test_settle_fill_answers_the_amounts_of_the_marked_rows(client, admin_user, a4):
    fabrikam, invoice = a4
    payment = post_payment(fabrikam["customers"]["FAB"], amount="626.22")
    inv, pay = invoice.open_transaction.pk, payment.open_transaction.pk
    client.force_login(admin_user)
    body = {"payment": pay, "date": "2026-03-09", f"mark_{pay}": "on", f"amount_{pay}": "626.22"}
    answer = client.post("/settle/fill/", {**body, f"mark_{inv}": "on", "fill": [inv]})
    assert answer.status_code == 200
    assert answer.json() == {"lines": {str(inv): {"amount": "626.22", "cash_discount": "12.00"}}}
    late = client.post("/settle/fill/", {**body, "date": "2026-03-20", "fill": [inv, pay]})
    assert late.json() == {
        "lines": {
            str(pay): {"amount": "626.22", "cash_discount": None},
            str(inv): {"amount": "626.22", "cash_discount": "0.00"},
        }
    }
    bad = client.post("/settle/fill/", {**body, "date": "2026-02-30", "fill": [inv]})
    assert bad.status_code == 400
    assert bad.json() == {"fields": {"date": "Enter the settlement date to fill the amounts."}}


def test_settle_fill_ignores_transactions_of_entities_not_granted(client, a4):
    fabrikam, invoice = a4
    payment = post_payment(fabrikam["customers"]["FAB"], amount="626.22")
    client.force_login(make_clerk("clerk", fabrikam["FAB"]))
    answer = client.post(
        "/settle/fill/",
        {
            "payment": payment.open_transaction.pk,
            "date": "2026-03-09",
            "fill": [invoice.open_transaction.pk, payment.open_transaction.pk],
        },
    )
    assert answer.json() == {
        "lines": {str(payment.open_transaction.pk): {"amount": "626.22", "cash_discount": None}}
    }


def test_settle_page_fills_the_payment_it_opens_for(client, admin_user, a4):
    fabrikam, _ = a4
    payment = post_payment(fabrikam["customers"]["FAB"], amount="626.22")
    pay = payment.open_transaction.pk
    client.force_login(admin_user)
    html = client.get(f"/settle/?payment={pay}").content.decode()
    assert f'name="amount_{pay}" value="626.22"' in html
    assert 'data-filled="626.22"' in html
