"""Demo documents: a few posted invoices, a credit note and payments, spread over the last
months so that the customer pages show open items and aging. Loaded once."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from entities.models import Customer, SalesTaxCode

from .models import Invoice
from .services import (
    DocumentInput,
    DocumentLineInput,
    PaymentInput,
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
def demo_documents() -> str:
    if Invoice.objects.filter(description__startswith="Demo").exists():
        return ""
    today = timezone.localdate()
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
