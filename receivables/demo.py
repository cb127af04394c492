"""Demo codes (terms N30, cash discount 2 % 10 days, sales tax VAT6), the codes the demo
customers are created with; demo documents: a few posted invoices, a credit note and payments,
spread over the last months so that the customer pages show open items and aging. Loaded once."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from entities.models import Customer, LegalEntity
from ledger.demo import demo_fiscal_years_open

from .models import CashDiscount, Invoice, PaymentTerms, SalesTaxCode
from .services import (
    CashDiscountPeriodInput,
    DocumentInput,
    DocumentLineInput,
    PaymentInput,
    cash_discount_save,
    credit_note_create,
    credit_note_post,
    invoice_create,
    invoice_post,
    payments_post,
)

# (legal entity, account, days ago, amounts)
INVOICES = [
    ("FABE", "4000", 12, ["600.00"]),
    ("FABW", "10000", 40, ["1250.00", "80.00"]),
    ("FAB", "4000", 70, ["310.40"]),
    ("FAB", "4001", 5, ["4200.00"]),
    ("FABE", "4001", 100, ["975.00"]),
    ("FAB", "4004", 20, ["1500.00"]),
    ("FABW", "10005", 33, ["640.00"]),
]


@transaction.atomic
def demo_codes() -> tuple[str, dict[str, Any]]:
    """Create what is missing of the demo codes; return a summary of what was created ('' if
    none) and the codes the demo customers are created with."""
    created: list[str] = []
    terms, made = PaymentTerms.objects.get_or_create(
        code="N30", defaults={"name": "Net 30 days", "net_days": 30}
    )
    if made:
        created.append("terms N30")
    discount = CashDiscount.objects.filter(code="2P10").first()
    if discount is None:
        discount = cash_discount_save(
            code="2P10",
            name="2 % within 10 days",
            periods=[CashDiscountPeriodInput(days=10, percent=Decimal("2"))],
            actor=None,
        )
        created.append("cash discount 2P10")
    _, made = SalesTaxCode.objects.get_or_create(
        code="VAT6", defaults={"name": "Sales tax 6.37 %", "percent": Decimal("6.37")}
    )
    if made:
        created.append("sales tax VAT6")
    return ", ".join(created), {"payment_terms": terms, "cash_discount": discount}


@transaction.atomic
def demo_documents() -> str:
    if Invoice.objects.filter(description__startswith="Demo").exists():
        return ""
    today = timezone.localdate()
    first = today - timedelta(days=max(days_ago for _, _, days_ago, _ in INVOICES))
    for entity in LegalEntity.objects.filter(code__in={code for code, *_ in INVOICES}):
        demo_fiscal_years_open(entity, range(first.year, today.year + 1))
    tax = SalesTaxCode.objects.filter(code="VAT6").first()
    posted = 0
    for code, account, days_ago, amounts in INVOICES:
        customer = Customer.objects.select_related("legal_entity").get(
            legal_entity__code=code, account=account
        )
        invoice = invoice_create(
            data=DocumentInput(
                legal_entity=customer.legal_entity,
                customer=customer,
                date=today - timedelta(days=days_ago),
                description=f"Demo invoice for {customer.display_name}",
                lines=[
                    DocumentLineInput(
                        description=f"Services, part {i + 1}", amount=Decimal(a), sales_tax_code=tax
                    )
                    for i, a in enumerate(amounts)
                ],
            ),
            actor=None,
        )
        invoice_post(invoice=invoice, actor=None)
        posted += 1
    northwind = Customer.objects.get(legal_entity__code="FAB", account="4000")
    credit_note = credit_note_create(
        data=DocumentInput(
            legal_entity=northwind.legal_entity,
            customer=northwind,
            date=today - timedelta(days=3),
            description="Demo credit note",
            lines=[DocumentLineInput(description="Returned goods", amount=Decimal("25.00"))],
        ),
        actor=None,
    )
    credit_note_post(credit_note=credit_note, actor=None)
    payments_post(
        inputs=[
            PaymentInput(
                legal_entity=northwind.legal_entity,
                customer=northwind,
                date=today - timedelta(days=2),
                amount=Decimal("600.00"),
                reference="Demo wire 1001",
            ),
            PaymentInput(
                legal_entity=northwind.legal_entity,
                customer=Customer.objects.get(legal_entity__code="FAB", account="4004"),
                date=today - timedelta(days=1),
                amount=Decimal("700.00"),
                reference="Demo check 552",
            ),
        ],
        actor=None,
    )
    return f"{posted} invoices, 1 credit note, 2 payments"


@transaction.atomic
def demo_scheduled() -> str:
    """An interest code on two customers and a monthly support contract, for the jobs page.
    Loaded once."""
    from .interest import add_months
    from .models import InterestCode, RecurringInvoiceTemplate
    from .services import (
        InterestCurrencyInput,
        InterestRangeInput,
        TemplateLineInput,
        interest_code_save,
        recurring_assignment_save,
        recurring_template_save,
    )

    fab = LegalEntity.objects.filter(code="FAB").first()
    if fab is None or RecurringInvoiceTemplate.objects.filter(legal_entity=fab).exists():
        return ""
    code = InterestCode.objects.filter(code="M15").first() or interest_code_save(
        code="M15",
        name="1.5 % per completed month overdue, 5.00 fee",
        charge_per=InterestCode.Unit.MONTH,
        ranges_by=InterestCode.Unit.DAY,
        grace_days=5,
        ranges=[InterestRangeInput(1, None, Decimal("1.5"))],
        currencies=[InterestCurrencyInput("USD", Decimal("5.00"), Decimal("1.00"))],
        actor=None,
    )
    for entity, account in (("FAB", "4000"), ("FABE", "4001")):
        Customer.objects.filter(legal_entity__code=entity, account=account).update(
            interest_code=code
        )
    template = recurring_template_save(
        legal_entity=fab,
        code="SUPPORT",
        description="Monthly support contract",
        lines=[TemplateLineInput(description="Support, one month", amount=Decimal("250.00"))],
        actor=None,
    )
    start = add_months(timezone.localdate().replace(day=1), -2)
    # The assignment posts its invoices: the years of its twelve months are open.
    demo_fiscal_years_open(fab, range(start.year, add_months(start, 11).year + 1))
    recurring_assignment_save(
        template=template,
        customer=Customer.objects.get(legal_entity=fab, account="4001"),
        start_date=start,
        occurrences=12,
        post=True,
        actor=None,
    )
    return "1 interest code, 1 recurring template"
