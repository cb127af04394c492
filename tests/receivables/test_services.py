from datetime import date
from decimal import Decimal

import pytest

from core.errors import InvalidInput
from entities.exceptions import EntityAccessDenied, ExchangeRateMissing
from ledger.models import LedgerEntry, Voucher
from ledger.selectors import entity_accounting_total
from receivables.exceptions import CustomerBlocked, DocumentSettled, InvalidTransition
from receivables.models import Invoice, OpenTransaction, Payment
from receivables.services import (
    DocumentInput,
    DocumentLineInput,
    PaymentInput,
    invoice_create,
    invoice_post,
    payment_reverse,
    payments_post,
)
from tests.conftest import make_clerk
from tests.factories.entities import (
    CashDiscountFactory,
    CustomerFactory,
    ExchangeRateFactory,
    PaymentTermsFactory,
    SalesTaxCodeFactory,
)
from tests.factories.receivables import post_credit_note, post_invoice, post_payment

pytestmark = pytest.mark.django_db
D = Decimal


def postings(document) -> set[tuple]:
    return {
        (e.legal_entity.code, e.posting_type, e.currency, e.amount, e.accounting_amount)
        for e in LedgerEntry.objects.filter(voucher=document.voucher).select_related("legal_entity")
    }


@pytest.fixture
def eur_rates(db):
    ExchangeRateFactory(rate=D("1.2062"), valid_from=date(2026, 3, 2))
    ExchangeRateFactory(rate=D("1.2277"), valid_from=date(2026, 3, 9))


def test_a1_invoice_and_payment_postings(fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"])
    assert postings(invoice) == {
        ("FABE", "customer_balance", "USD", D("600.00"), D("600.00")),
        ("FABE", "revenue", "USD", D("-600.00"), D("-600.00")),
    }
    payment = post_payment(fabrikam["customers"]["FAB"], amount="600.00")
    assert postings(payment) == {
        ("FAB", "bank", "USD", D("600.00"), D("600.00")),
        ("FAB", "customer_balance", "USD", D("-600.00"), D("-600.00")),
    }
    assert invoice.number == "FABE-INV00000001" and payment.number == "FAB-PAY00000001"


def test_a3_invoice_and_payment_in_eur(fabrikam, eur_rates):
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"], currency="EUR")
    assert postings(invoice) == {
        ("FABE", "customer_balance", "EUR", D("600.00"), D("723.72")),
        ("FABE", "revenue", "EUR", D("-600.00"), D("-723.72")),
    }
    payment = post_payment(fabrikam["customers"]["FAB"], amount="600.00", currency="EUR")
    assert postings(payment) == {
        ("FAB", "bank", "EUR", D("600.00"), D("736.62")),
        ("FAB", "customer_balance", "EUR", D("-600.00"), D("-736.62")),
    }
    ot = OpenTransaction.objects.get(invoice=invoice)
    assert (ot.amount, ot.open_amount, ot.accounting_amount, ot.open_accounting_amount) == (
        D("600.00"),
        D("600.00"),
        D("723.72"),
        D("723.72"),
    )
    assert ot.rate == D("1.2062")


def test_a4_invoice_with_tax_and_discount_schedule(fabrikam, eur_rates):
    tax = SalesTaxCodeFactory(code="VAT6", percent=D("6.37"))
    invoice = post_invoice(
        fabrikam["customers"]["FABE"],
        amounts=["600.00"],
        currency="EUR",
        tax_code=tax,
        terms=PaymentTermsFactory(),
        cash_discount=CashDiscountFactory(),
    )
    assert postings(invoice) == {
        ("FABE", "customer_balance", "EUR", D("638.22"), D("769.82")),
        ("FABE", "revenue", "EUR", D("-600.00"), D("-723.72")),
        ("FABE", "sales_tax", "EUR", D("-38.22"), D("-46.10")),
    }
    assert (invoice.total, invoice.tax_amount) == (D("638.22"), D("38.22"))
    ot = invoice.open_transaction
    assert ot.due_date == date(2026, 4, 1)
    assert [(d.until, d.amount) for d in ot.cash_discounts.all()] == [
        (date(2026, 3, 12), D("12.00"))
    ]
    payment = post_payment(fabrikam["customers"]["FAB"], amount="626.22", currency="EUR")
    assert postings(payment) == {
        ("FAB", "bank", "EUR", D("626.22"), D("768.81")),
        ("FAB", "customer_balance", "EUR", D("-626.22"), D("-768.81")),
    }


def test_cash_discount_base_may_include_tax(fabrikam):
    from entities.services import legal_entity_update

    legal_entity_update(
        legal_entity=fabrikam["FAB"], data={"cash_discount_base_includes_tax": True}, actor=None
    )
    tax = SalesTaxCodeFactory(code="T10", percent=D("10"))
    invoice = post_invoice(
        fabrikam["customers"]["FAB"],
        amounts=["100.00"],
        tax_code=tax,
        cash_discount=CashDiscountFactory(),
    )
    assert [d.amount for d in invoice.open_transaction.cash_discounts.all()] == [D("2.20")]


def test_several_discount_periods(fabrikam):
    code = CashDiscountFactory(code="2-5/1-14", periods=[(5, D("2")), (14, D("1"))])
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["1000.00"], cash_discount=code)
    assert [
        (d.until, d.percent, d.amount) for d in invoice.open_transaction.cash_discounts.all()
    ] == [(date(2026, 3, 7), D("2"), D("20.00")), (date(2026, 3, 16), D("1"), D("10.00"))]


def test_credit_note_postings_and_negative_discount(fabrikam):
    from entities.services import legal_entity_update

    fab = fabrikam["customers"]["FAB"]
    invoice = post_invoice(fab, amounts=["100.00"], cash_discount=CashDiscountFactory())
    credit_note = post_credit_note(fab, amounts=["100.00"], invoice=invoice, on=date(2026, 3, 6))
    assert postings(credit_note) == {
        ("FAB", "sales_returns", "USD", D("100.00"), D("100.00")),
        ("FAB", "customer_balance", "USD", D("-100.00"), D("-100.00")),
    }
    # Parameter off: a credit note offers no discount.
    assert list(credit_note.open_transaction.cash_discounts.all()) == []
    legal_entity_update(
        legal_entity=fabrikam["FAB"], data={"cash_discount_on_credit_notes": True}, actor=None
    )
    second = post_credit_note(fab, amounts=["100.00"], invoice=invoice, on=date(2026, 3, 6))
    assert [(d.until, d.amount) for d in second.open_transaction.cash_discounts.all()] == [
        (date(2026, 3, 16), D("-2.00"))
    ]
    assert second.open_transaction.amount == D("-100.00")


def test_credit_note_limited_to_invoice_open_amount_when_parameter_on(fabrikam):
    from entities.services import legal_entity_update

    fab = fabrikam["customers"]["FAB"]
    invoice = post_invoice(fab, amounts=["100.00"])
    legal_entity_update(
        legal_entity=fabrikam["FAB"], data={"credit_note_limited_to_invoice_open": True}, actor=None
    )
    with pytest.raises(Exception, match="larger than the open amount"):
        post_credit_note(fab, amounts=["100.01"], invoice=invoice)
    post_credit_note(fab, amounts=["100.00"], invoice=invoice)


def test_rounding_jpy_and_kwd(fabrikam):
    ExchangeRateFactory(from_currency="JPY", rate=D("0.0067"), valid_from=date(2026, 1, 1))
    ExchangeRateFactory(from_currency="KWD", rate=D("3.2511"), valid_from=date(2026, 1, 1))
    customer = fabrikam["customers"]["FAB"]
    tax = SalesTaxCodeFactory(code="T8", percent=D("8"))
    jpy = post_invoice(customer, amounts=["1001", "333"], currency="JPY", tax_code=tax)
    # 1001 × 8 % = 80.08 → 80; 333 × 8 % = 26.64 → 27.
    assert (jpy.total, jpy.tax_amount) == (D("1441"), D("107"))
    kwd = post_invoice(customer, amounts=["10.125", "0.333"], currency="KWD", tax_code=tax)
    assert (kwd.total, kwd.tax_amount) == (D("11.295"), D("0.837"))
    for document in (jpy, kwd):
        entries = LedgerEntry.objects.filter(voucher=document.voucher)
        assert sum(e.accounting_amount for e in entries) == 0
        assert sum(e.amount for e in entries) == 0
    with pytest.raises(InvalidInput, match="more decimals than JPY allows"):
        post_invoice(customer, amounts=["10.5"], currency="JPY")
    assert entity_accounting_total(legal_entity=fabrikam["FAB"]) == 0


def test_rounding_line_when_lines_convert_apart(fabrikam):
    ExchangeRateFactory(from_currency="EUR", rate=D("1.2062"), valid_from=date(2026, 1, 1))
    invoice = post_invoice(
        fabrikam["customers"]["FAB"], amounts=["0.01", "0.01", "0.01"], currency="EUR"
    )
    rounding = LedgerEntry.objects.get(voucher=invoice.voucher, posting_type="rounding")
    assert (rounding.amount, rounding.accounting_amount) == (D("0"), D("-0.01"))
    assert invoice.open_transaction.accounting_amount == D("0.04")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (DocumentLineInput(description="x", amount=D("0")), "greater than zero"),
        (DocumentLineInput(description="x", amount=D("-5")), "greater than zero"),
        (DocumentLineInput(description="x", amount=D("1.001")), "more decimals than USD"),
        (DocumentLineInput(description="", amount=D("1")), "description is required"),
        (DocumentLineInput(description="x"), "amount or a unit price"),
        (DocumentLineInput(description="x", quantity=D("0"), unit_price=D("1")), "quantity"),
    ],
)
def test_invoice_bad_lines(fabrikam, line, message):
    customer = fabrikam["customers"]["FAB"]
    with pytest.raises(InvalidInput, match=message):
        invoice_create(
            data=DocumentInput(
                legal_entity=customer.legal_entity,
                customer=customer,
                date=date(2026, 3, 2),
                lines=[line],
            ),
            actor=None,
        )
    assert Invoice.objects.count() == 0


def test_quantity_times_unit_price_rounded_once(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = invoice_create(
        data=DocumentInput(
            legal_entity=customer.legal_entity,
            customer=customer,
            date=date(2026, 3, 2),
            lines=[
                DocumentLineInput(description="Hours", quantity=D("3"), unit_price=D("33.335"[:-1]))
            ],
        ),
        actor=None,
    )
    assert invoice.total == D("100.00") - D("0.01")  # 3 × 33.33


def test_blocked_customer_and_customer_of_other_entity(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    customer.blocked = True
    customer.save()
    with pytest.raises(CustomerBlocked, match="Customer 4000 in FAB is blocked"):
        post_invoice(customer)
    with pytest.raises(InvalidInput, match="not a customer of FABE"):
        invoice_create(
            data=DocumentInput(
                legal_entity=fabrikam["FABE"],
                customer=fabrikam["customers"]["FABW"],
                date=date(2026, 3, 2),
                lines=[DocumentLineInput("x", D("1"))],
            ),
            actor=None,
        )


def test_missing_rate_posts_nothing(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = invoice_create(
        data=DocumentInput(
            legal_entity=customer.legal_entity,
            customer=customer,
            date=date(2026, 3, 2),
            currency="GBP",
            lines=[DocumentLineInput("x", D("10.00"))],
        ),
        actor=None,
    )
    with pytest.raises(ExchangeRateMissing, match="GBP→USD on 2026-03-02"):
        invoice_post(invoice=invoice, actor=None)
    invoice.refresh_from_db()
    assert invoice.status == "draft" and invoice.number == ""
    assert Voucher.objects.count() == 0 and OpenTransaction.objects.count() == 0


def test_posting_twice_is_refused(fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FAB"])
    with pytest.raises(InvalidTransition, match="Invoice FAB-INV00000001 is already posted"):
        invoice_post(invoice=invoice, actor=None)
    assert Voucher.objects.count() == 1


def test_clerk_cannot_post_in_other_entity(fabrikam):
    clerk = make_clerk("clerk", fabrikam["FABE"])
    with pytest.raises(EntityAccessDenied):
        post_invoice(fabrikam["customers"]["FABW"], actor=clerk)
    post_invoice(fabrikam["customers"]["FABE"], actor=clerk)


def test_payments_post_all_or_nothing_with_errors_by_index(fabrikam):
    fab = fabrikam["customers"]["FAB"]
    good = PaymentInput(
        legal_entity=fabrikam["FAB"], customer=fab, date=date(2026, 3, 9), amount=D("10.00")
    )
    bad = PaymentInput(
        legal_entity=fabrikam["FAB"], customer=fab, date=date(2026, 3, 9), amount=D("-1.00")
    )
    with pytest.raises(InvalidInput) as caught:
        payments_post(inputs=[good, bad, good, bad], actor=None)
    assert set(caught.value.fields["payments"]) == {1, 3}
    assert "greater than zero" in str(caught.value.fields["payments"][1]["amount"])
    assert Payment.objects.count() == 0 and Voucher.objects.count() == 0
    posted = payments_post(inputs=[good, good, good], actor=None)
    assert [p.number for p in posted] == ["FAB-PAY00000001", "FAB-PAY00000002", "FAB-PAY00000003"]
    assert OpenTransaction.objects.filter(kind="payment", open_amount=D("-10.00")).count() == 3


def test_payment_reverse_unsettled_and_refused_when_settled(fabrikam):
    payment = post_payment(fabrikam["customers"]["FAB"], amount="50.00")
    reversed_payment = payment_reverse(payment=payment, actor=None)
    assert reversed_payment.status == "reversed"
    ot = OpenTransaction.objects.get(payment=payment)
    assert (ot.open_amount, ot.open_accounting_amount) == (0, 0)
    assert entity_accounting_total(legal_entity=fabrikam["FAB"]) == 0
    with pytest.raises(InvalidTransition):
        payment_reverse(payment=payment, actor=None)
    other = post_payment(fabrikam["customers"]["FAB"], amount="50.00")
    OpenTransaction.objects.filter(payment=other).update(
        open_amount=D("-20.00"), open_accounting_amount=D("-20.00")
    )
    with pytest.raises(DocumentSettled, match="is settled"):
        payment_reverse(payment=other, actor=None)


def test_customer_balance_equals_open_accounting_amounts(fabrikam, eur_rates):
    from core.aggregates import DecimalSum

    customer = fabrikam["customers"]["FABE"]
    post_invoice(customer, amounts=["600.00", "0.37"], currency="EUR")
    post_credit_note(customer, amounts=["25.00"], currency="EUR")
    post_payment(customer, amount="75.00", currency="EUR")
    balance = LedgerEntry.objects.filter(
        legal_entity=fabrikam["FABE"], posting_type="customer_balance"
    ).aggregate(s=DecimalSum("accounting_amount"))["s"]
    opened = OpenTransaction.objects.filter(legal_entity=fabrikam["FABE"]).aggregate(
        s=DecimalSum("open_accounting_amount")
    )["s"]
    assert balance == opened


def test_other_customer_factory_usable(fabrikam):
    other = CustomerFactory(legal_entity=fabrikam["FAB"], account="4999")
    assert post_invoice(other).open_transaction.party == other.party
