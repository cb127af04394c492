"""Correcting a posted invoice: a credit note of all of it settled against it, a draft copy,
the three linked; every refusal."""

from datetime import date
from decimal import Decimal

import pytest

from core.errors import InvalidInput
from core.models import AuditEntry
from entities.exceptions import EntityAccessDenied
from ledger.exceptions import PeriodClosed
from ledger.models import FiscalPeriod, LedgerEntry, MainAccount
from receivables.exceptions import DocumentSettled, InvalidTransition, InvoiceAlreadyCorrected
from receivables.models import (
    CreditNote,
    DocumentStatus,
    Invoice,
    InvoiceCorrection,
    OpenTransaction,
    SalesTaxCode,
)
from receivables.services import document_delete, invoice_create, open_transaction_disputed_set
from settlement.exceptions import SettlementConflict
from settlement.models import Settlement
from settlement.services import invoice_correct, settlement_reverse
from tests.conftest import make_clerk
from tests.factories.entities import (
    CashDiscountFactory,
    ExchangeRateFactory,
    PaymentTermsFactory,
    SalesTaxCodeFactory,
)
from tests.factories.receivables import post_invoice, post_payment
from tests.settlement.test_services import assert_sound, settle

pytestmark = pytest.mark.django_db
D = Decimal
MAR2, MAR10 = date(2026, 3, 2), date(2026, 3, 10)


def entries(voucher) -> list[tuple[str, Decimal, Decimal]]:
    """(account, amount, accounting amount) per ledger entry, by account."""
    return sorted(
        (e.account.number, e.amount, e.accounting_amount)
        for e in LedgerEntry.objects.filter(voucher=voucher).select_related("account")
    )


def ot(document) -> OpenTransaction:
    field = "credit_note" if isinstance(document, CreditNote) else "invoice"
    return OpenTransaction.objects.get(**{field: document})


@pytest.fixture
def invoice(fabrikam):
    """FAB (USD) invoice of 2026-03-02, N30 and 2 % in 10 days: 600.00 consulting with VAT6
    (6.37 % → 38.22), 150.00 travel to account 401200 without tax: 788.22."""
    from receivables.services import DocumentInput, DocumentLineInput, invoice_post

    fab = fabrikam["FAB"]
    travel = MainAccount.objects.create(
        legal_entity=fab, number="401200", name="Travel revenue", kind="revenue"
    )
    draft = invoice_create(
        data=DocumentInput(
            legal_entity=fab,
            customer=fabrikam["customers"]["FAB"],
            date=MAR2,
            payment_terms=PaymentTermsFactory(),
            cash_discount=CashDiscountFactory(),
            description="March work",
            lines=[
                DocumentLineInput(
                    description="Consulting",
                    quantity=D(4),
                    unit_price=D("150.00"),
                    sales_tax_code=SalesTaxCodeFactory(),
                ),
                DocumentLineInput(description="Travel", amount=D("150.00"), account=travel),
            ],
        ),
        actor=None,
    )
    return invoice_post(invoice=draft, actor=None)


def test_invoice_correct_posts_the_mirror_credit_note_settled_against_the_invoice(invoice):
    assert invoice.total == D("788.22")
    assert entries(invoice.voucher) == [
        ("130100", D("788.22"), D("788.22")),
        ("220000", D("-38.22"), D("-38.22")),
        ("401100", D("-600.00"), D("-600.00")),
        ("401200", D("-150.00"), D("-150.00")),
    ]

    done = invoice_correct(invoice=invoice, on=MAR10, actor=None)

    credit_note = done.credit_note
    assert (credit_note.status, credit_note.date, credit_note.invoice_id) == (
        "posted",
        MAR10,
        invoice.pk,
    )
    assert (credit_note.total, credit_note.tax_amount) == (D("788.22"), D("38.22"))
    assert [
        (x.description, x.amount, x.tax_amount, x.sales_tax_code.code if x.sales_tax_code else "")
        for x in credit_note.lines.select_related("sales_tax_code")
    ] == [
        ("Consulting", D("600.00"), D("38.22"), "VAT6"),
        ("Travel", D("150.00"), D("0.00"), ""),
    ]
    # The credit note's voucher is the invoice's turned around, account by account (revenue,
    # not sales returns), dated the correction date.
    assert credit_note.voucher.date == MAR10
    assert entries(credit_note.voucher) == [
        ("130100", D("-788.22"), D("-788.22")),
        ("220000", D("38.22"), D("38.22")),
        ("401100", D("600.00"), D("600.00")),
        ("401200", D("150.00"), D("150.00")),
    ]
    # The settlement closes both, with no cash discount though 2 % was still offered on 03-10.
    settlement = done.settlement
    assert settlement.date == MAR10
    (voucher,) = settlement.vouchers.all()
    assert entries(voucher) == [
        ("130100", D("-788.22"), D("-788.22")),
        ("130100", D("788.22"), D("788.22")),
    ]
    assert [(line.amount, line.cash_discount) for line in settlement.lines.order_by("id")] == [
        (D("788.22"), D("0.00")),
        (D("-788.22"), D("0.00")),
    ]
    for document in (invoice, credit_note):
        row = ot(document)
        assert (row.open_amount, row.open_accounting_amount, row.closed_on) == (0, 0, MAR10)
    # Every account the three vouchers touch nets to zero, the customer balance included.
    net: dict[str, Decimal] = {}
    for v in (invoice.voucher, credit_note.voucher, voucher):
        for number, _amount, accounting in entries(v):
            net[number] = net.get(number, D(0)) + accounting
    assert net == {"130100": 0, "220000": 0, "401100": 0, "401200": 0}
    assert_sound()


def test_invoice_correct_makes_a_draft_copy_and_links_the_three(invoice):
    done = invoice_correct(invoice=invoice, on=MAR10, actor=None)
    copy = done.correcting_invoice
    assert (copy.status, copy.number, copy.date, copy.due_date) == ("draft", "", MAR10, None)
    assert (copy.customer_id, copy.currency, copy.description) == (
        invoice.customer_id,
        "USD",
        "March work",
    )
    assert (copy.payment_terms.code, copy.cash_discount.code) == ("N30", "2P10")
    assert [
        (x.description, x.quantity, x.unit_price, x.amount, x.tax_amount, x.account_id)
        for x in copy.lines.all()
    ] == [
        (x.description, x.quantity, x.unit_price, x.amount, x.tax_amount, x.account_id)
        for x in invoice.lines.all()
    ]
    assert copy.total == D("788.22")
    correction = InvoiceCorrection.objects.get()
    assert (correction.original, correction.credit_note, correction.correcting_invoice) == (
        invoice,
        done.credit_note,
        copy,
    )
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.correction.credit_note == done.credit_note
    assert copy.corrects.original == invoice
    assert done.credit_note.correction.correcting_invoice == copy
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "invoice.corrected",
        "creditnote.created",
        "credit_note.posted",
        "invoice.created",
        "settlement.posted",
    } <= actions
    audit = AuditEntry.objects.get(action="invoice.corrected")
    assert audit.changes["credit_note"] == [None, done.credit_note.number]


def test_invoice_correct_credits_the_tax_as_posted_though_the_code_changed_since(invoice):
    SalesTaxCode.objects.filter(code="VAT6").update(percent=D("10"))
    done = invoice_correct(invoice=invoice, on=MAR10, actor=None)
    assert done.credit_note.tax_amount == D("38.22")
    assert done.correcting_invoice.tax_amount == D("60.00")  # the draft takes today's percent


def test_invoice_correct_in_a_foreign_currency_books_the_exchange_difference(fabrikam):
    """EUR invoice of FAB (USD) at 1.2062, corrected at 1.2277: 100.00 EUR = 120.62 USD
    booked, 122.77 USD credited; the settlement books the 2.15 difference as realized gain
    (the customer balance gives back what the credit note took too much)."""
    ExchangeRateFactory(rate=D("1.2062"), valid_from=MAR2)
    ExchangeRateFactory(rate=D("1.2277"), valid_from=date(2026, 3, 9))
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"], currency="EUR")
    done = invoice_correct(invoice=invoice, on=MAR10, actor=None)
    assert ot(invoice).accounting_amount == D("120.62")
    assert ot(done.credit_note).accounting_amount == D("-122.77")
    (voucher,) = done.settlement.vouchers.all()
    assert entries(voucher) == [
        ("130100", D("-100.00"), D("-120.62")),
        ("130100", D("100.00"), D("122.77")),
        ("711000", D("0.00"), D("-2.15")),
    ]
    assert_sound()


def test_invoice_correct_refuses_a_draft(fabrikam):
    from receivables.services import DocumentInput, DocumentLineInput

    draft = invoice_create(
        data=DocumentInput(
            legal_entity=fabrikam["FAB"],
            customer=fabrikam["customers"]["FAB"],
            date=MAR2,
            lines=[DocumentLineInput(description="x", amount=D("10.00"))],
        ),
        actor=None,
    )
    with pytest.raises(InvalidTransition, match=f"Invoice draft {draft.pk} is a draft") as error:
        invoice_correct(invoice=draft, on=MAR10, actor=None)
    assert error.value.field == "status"


def test_invoice_correct_refuses_a_reversed_invoice(invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=DocumentStatus.REVERSED)
    with pytest.raises(InvalidTransition, match=f"Invoice {invoice.number} is reversed"):
        invoice_correct(invoice=invoice, on=MAR10, actor=None)
    assert not CreditNote.objects.exists()


def test_invoice_correct_refuses_an_invoice_corrected_already(invoice):
    done = invoice_correct(invoice=invoice, on=MAR10, actor=None)
    with pytest.raises(
        InvoiceAlreadyCorrected,
        match=f"already corrected on 2026-03-10 by credit note {done.credit_note.number}",
    ) as error:
        invoice_correct(invoice=invoice, on=MAR10, actor=None)
    assert (error.value.field, error.value.http_status) == ("invoice", 409)
    assert CreditNote.objects.count() == 1


def test_invoice_correct_refuses_a_settled_invoice_naming_the_settlements(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["1000.00"])
    first = settle(post_payment(customer, amount="300.00"), invoice)
    second = settle(post_payment(customer, amount="200.00"), invoice, on=date(2026, 3, 11))
    with pytest.raises(DocumentSettled) as error:
        invoice_correct(invoice=invoice, on=date(2026, 3, 12), actor=None)
    assert error.value.message == (
        f"Invoice {invoice.number} is settled by settlement {first.pk} of 2026-03-09 (300.00), "
        f"settlement {second.pk} of 2026-03-11 (200.00): reverse them first, then correct the "
        "invoice."
    )
    assert (error.value.field, error.value.http_status) == ("invoice", 409)
    settlement_reverse(settlement=second, actor=None)
    with pytest.raises(DocumentSettled, match=f"settled by settlement {first.pk} of 2026-03-09"):
        invoice_correct(invoice=invoice, on=date(2026, 3, 12), actor=None)
    settlement_reverse(settlement=first, actor=None)
    done = invoice_correct(invoice=invoice, on=date(2026, 3, 12), actor=None)
    assert ot(invoice).open_amount == 0
    assert done.credit_note.total == D("1000.00")
    assert_sound()


def test_invoice_correct_refuses_an_invoice_written_off_in_part(invoice):
    from collections_app.services import write_off_create
    from entities.services import legal_entity_update

    legal_entity_update(
        legal_entity=invoice.legal_entity, data={"max_write_off": D("5")}, actor=None
    )
    write_off_create(
        open_transaction=ot(invoice), reason="rounding", amount=D("0.22"), on=MAR10, actor=None
    )
    with pytest.raises(
        DocumentSettled, match=rf"Invoice {invoice.number} is settled \(0.22 of 788.22\)"
    ):
        invoice_correct(invoice=invoice, on=MAR10, actor=None)


def test_invoice_correct_corrects_a_disputed_invoice(invoice):
    open_transaction_disputed_set(open_transaction=ot(invoice), disputed=True)
    invoice_correct(invoice=invoice, on=MAR10, actor=None)
    assert ot(invoice).open_amount == 0


def test_invoice_correct_refuses_a_date_before_the_invoice(invoice):
    with pytest.raises(
        InvalidInput, match="The correction date 2026-03-01 is before the invoice date 2026-03-02"
    ) as error:
        invoice_correct(invoice=invoice, on=date(2026, 3, 1), actor=None)
    assert error.value.field == "date"


def test_invoice_correct_refuses_a_closed_period_and_writes_nothing(invoice):
    FiscalPeriod.objects.filter(legal_entity=invoice.legal_entity, start=date(2026, 4, 1)).update(
        status=FiscalPeriod.Status.CLOSED
    )
    with pytest.raises(PeriodClosed, match="containing 2026-04-02 is closed") as error:
        invoice_correct(invoice=invoice, on=date(2026, 4, 2), actor=None)
    assert error.value.field == "date"
    assert not CreditNote.objects.exists()
    assert Invoice.objects.count() == 1
    assert not InvoiceCorrection.objects.exists()
    assert ot(invoice).open_amount == D("788.22")


def test_invoice_correct_refuses_an_entity_not_granted(invoice, fabrikam):
    clerk = make_clerk("clerk-fabe", fabrikam["FABE"])
    with pytest.raises(EntityAccessDenied, match="You may not act in legal entity FAB"):
        invoice_correct(invoice=invoice, on=MAR10, actor=clerk)
    assert not CreditNote.objects.exists()


def test_settlement_of_a_correction_is_not_reversed_on_its_own(invoice):
    done = invoice_correct(invoice=invoice, on=MAR10, actor=None)
    with pytest.raises(SettlementConflict, match="which corrected it: it is not reversed"):
        settlement_reverse(settlement=done.settlement, actor=None)
    assert Settlement.objects.get().status == "posted"


def test_deleting_the_correcting_draft_leaves_the_correction(invoice):
    done = invoice_correct(invoice=invoice, on=MAR10, actor=None)
    document_delete(document=done.correcting_invoice, actor=None)
    correction = InvoiceCorrection.objects.get()
    assert correction.correcting_invoice is None
    assert correction.credit_note == done.credit_note
    with pytest.raises(InvoiceAlreadyCorrected, match=r"by credit note \S+\.$"):
        invoice_correct(invoice=invoice, on=MAR10, actor=None)


def test_a_clerk_corrects_in_a_granted_entity(invoice, fabrikam):
    clerk = make_clerk("clerk-fab", fabrikam["FAB"])
    done = invoice_correct(invoice=invoice, on=MAR10, actor=clerk)
    assert done.correcting_invoice.created_by == clerk
    assert InvoiceCorrection.objects.get().created_by == clerk
