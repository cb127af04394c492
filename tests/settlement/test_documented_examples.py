"""Published Dynamics 365 Finance and Business Central examples of the same rules, with their
documented numbers."""

from datetime import date
from decimal import Decimal

import pytest

from entities.services import legal_entity_update
from settlement.services import SettlementLineInput, settlement_create
from tests.factories.entities import CashDiscountFactory
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db
D = Decimal


def open_of(document) -> Decimal:
    document.open_transaction.refresh_from_db()
    return abs(document.open_transaction.open_amount)


def settle(on, *documents):
    return settlement_create(
        lines=[SettlementLineInput(d.open_transaction.pk) for d in documents],
        on=on,
        primary=None,
        actor=None,
    )


def discount_of(settlement, document) -> Decimal:
    return settlement.lines.get(open_transaction=document.open_transaction).cash_discount


@pytest.fixture
def fab(fabrikam):
    legal_entity_update(
        legal_entity=fabrikam["FAB"], data={"cash_discount_on_partial_payments": True}, actor=None
    )
    return fabrikam["customers"]["FAB"]


def test_partial_payment_before_discount_date_final_after(fab):
    """D365: settle a partial payment before the discount date with the final payment after it
    (invoice 1,000.00 on 6/25, 1 % within 14 days)."""
    code = CashDiscountFactory(code="1P14", periods=[(14, D("1"))])
    invoice = post_invoice(fab, amounts=["1000.00"], cash_discount=code, on=date(2026, 6, 25))
    s1 = settle(date(2026, 7, 1), post_payment(fab, amount="297.00", on=date(2026, 7, 1)), invoice)
    assert (discount_of(s1, invoice), open_of(invoice)) == (D("3.00"), D("700.00"))
    s2 = settle(
        date(2026, 7, 11), post_payment(fab, amount="700.00", on=date(2026, 7, 11)), invoice
    )
    assert (discount_of(s2, invoice), open_of(invoice)) == (D("0.00"), D("0.00"))


def test_partial_payments_in_two_discount_periods(fab):
    """D365: 2 % within 5 days, 1 % within 14 days; 294.00 on 6/28 takes 6.00, 693.00 on 7/8
    takes 7.00 and closes the invoice."""
    code = CashDiscountFactory(code="2-5/1-14", periods=[(5, D("2")), (14, D("1"))])
    invoice = post_invoice(fab, amounts=["1000.00"], cash_discount=code, on=date(2026, 6, 25))
    s1 = settle(
        date(2026, 6, 28), post_payment(fab, amount="294.00", on=date(2026, 6, 28)), invoice
    )
    assert (discount_of(s1, invoice), open_of(invoice)) == (D("6.00"), D("700.00"))
    s2 = settle(date(2026, 7, 8), post_payment(fab, amount="693.00", on=date(2026, 7, 8)), invoice)
    assert (discount_of(s2, invoice), open_of(invoice)) == (D("7.00"), D("0.00"))


def _three_invoices(customer):
    one = CashDiscountFactory(code="1P14", periods=[(14, D("1"))])
    two = CashDiscountFactory(code="2-5/1-14", periods=[(5, D("2")), (14, D("1"))])
    return (
        post_invoice(customer, amounts=["1000.00"], cash_discount=one, on=date(2026, 5, 15)),
        post_invoice(customer, amounts=["1000.00"], cash_discount=one, on=date(2026, 6, 25)),
        post_invoice(customer, amounts=["1000.00"], cash_discount=two, on=date(2026, 6, 25)),
    )


@pytest.mark.parametrize(
    ("on", "amount"), [(date(2026, 6, 29), "2970.00"), (date(2026, 7, 1), "2980.00")]
)
def test_one_payment_for_invoices_in_different_discount_periods(fab, on, amount):
    """D365: three invoices of 1,000.00 paid in full by one payment: 1,000 + 990 + 980 on 6/29,
    1,000 + 990 + 990 on 7/1."""
    invoices = _three_invoices(fab)
    payment = post_payment(fab, amount=amount, on=on)
    settle(on, payment, *invoices)
    assert [open_of(i) for i in invoices] == [0, 0, 0]
    assert open_of(payment) == 0


def test_one_partial_payment_for_invoices_in_different_discount_periods(fab):
    """D365: 1,485.00 on 6/29 closes the oldest invoice, then goes to the invoice with the
    better discount: 485 ÷ 0.98 × 0.02 = 9.90 discount, 505.10 left open; the third stays at
    1,000.00."""
    oldest, one_percent, two_percent = _three_invoices(fab)
    payment = post_payment(fab, amount="1485.00", on=date(2026, 6, 29))
    s = settle(date(2026, 6, 29), payment, oldest, one_percent, two_percent)
    assert open_of(oldest) == 0
    assert (discount_of(s, two_percent), open_of(two_percent)) == (D("9.90"), D("505.10"))
    assert open_of(one_percent) == D("1000.00")


def test_partial_payment_formula(fab):
    """D365: 500.00 paid on an invoice of 1,000.00 with 1 %: 500 ÷ 0.99 × 0.01 = 5.05."""
    code = CashDiscountFactory(code="1P14", periods=[(14, D("1"))])
    invoice = post_invoice(fab, amounts=["1000.00"], cash_discount=code, on=date(2026, 6, 25))
    s = settle(date(2026, 6, 30), post_payment(fab, amount="500.00", on=date(2026, 6, 30)), invoice)
    assert (discount_of(s, invoice), open_of(invoice)) == (D("5.05"), D("494.95"))


@pytest.mark.parametrize(
    ("paid_on", "amount", "open_invoice", "open_payment", "difference"),
    [
        # On or before the discount date (discount 20.00 available).
        (date(2026, 1, 10), "985.00", "0.00", "0.00", "-5.00"),
        (date(2026, 1, 10), "980.00", "0.00", "0.00", "0.00"),
        (date(2026, 1, 10), "975.00", "0.00", "0.00", "5.00"),
        # After it: no discount.
        (date(2026, 1, 25), "1005.00", "0.00", "0.00", "-5.00"),
        (date(2026, 1, 25), "1000.00", "0.00", "0.00", "0.00"),
        (date(2026, 1, 25), "995.00", "0.00", "0.00", "5.00"),
        (date(2026, 1, 25), "985.00", "15.00", "0.00", "0.00"),
    ],
)
def test_payment_tolerance_example(
    fabrikam, paid_on, amount, open_invoice, open_payment, difference
):
    """Business Central: invoice 1,000.00 with a 20.00 discount until 01/15 and a payment
    tolerance of 5.00: payments within 5.00 of what is due close the invoice, the difference
    going to the payment-tolerance (payment difference) account."""
    legal_entity_update(
        legal_entity=fabrikam["FAB"],
        data={"max_underpayment": D("5.00"), "max_overpayment": D("5.00")},
        actor=None,
    )
    customer = fabrikam["customers"]["FAB"]
    code = CashDiscountFactory(code="2P14", periods=[(14, D("2"))])
    invoice = post_invoice(customer, amounts=["1000.00"], cash_discount=code, on=date(2026, 1, 1))
    payment = post_payment(customer, amount=amount, on=paid_on)
    s = settle(paid_on, payment, invoice)
    assert open_of(invoice) == D(open_invoice)
    assert open_of(payment) == D(open_payment)
    lines = {line.open_transaction_id: line for line in s.lines.all()}
    total_difference = (
        lines[invoice.open_transaction.pk].payment_difference
        + lines[payment.open_transaction.pk].payment_difference
    )
    assert total_difference == D(difference)
