"""Factories of the receivables room: documents are created and posted through the services."""

from datetime import date
from decimal import Decimal

from receivables.services import (
    DocumentInput,
    DocumentLineInput,
    PaymentInput,
    credit_note_create,
    credit_note_post,
    invoice_create,
    invoice_post,
    payments_post,
)


def post_invoice(
    customer,
    *,
    amounts=("100.00",),
    on=date(2026, 3, 2),
    currency=None,
    tax_code=None,
    terms=None,
    cash_discount=None,
    actor=None,
):
    invoice = invoice_create(
        data=DocumentInput(
            legal_entity=customer.legal_entity,
            customer=customer,
            date=on,
            currency=currency,
            payment_terms=terms,
            cash_discount=cash_discount,
            lines=[
                DocumentLineInput(
                    description=f"Line {i + 1}", amount=Decimal(a), sales_tax_code=tax_code
                )
                for i, a in enumerate(amounts)
            ],
        ),
        actor=actor,
    )
    return invoice_post(invoice=invoice, actor=actor)


def post_credit_note(
    customer,
    *,
    amounts=("25.00",),
    on=date(2026, 3, 2),
    currency=None,
    invoice=None,
    cash_discount=None,
    actor=None,
):
    credit_note = credit_note_create(
        data=DocumentInput(
            legal_entity=customer.legal_entity,
            customer=customer,
            date=on,
            currency=currency,
            invoice=invoice,
            cash_discount=cash_discount,
            lines=[
                DocumentLineInput(description=f"Return {i + 1}", amount=Decimal(a))
                for i, a in enumerate(amounts)
            ],
        ),
        actor=actor,
    )
    return credit_note_post(credit_note=credit_note, actor=actor)


def post_payment(customer, *, amount="100.00", on=date(2026, 3, 9), currency=None, actor=None):
    (payment,) = payments_post(
        inputs=[
            PaymentInput(
                legal_entity=customer.legal_entity,
                customer=customer,
                date=on,
                amount=Decimal(amount),
                currency=currency,
            )
        ],
        actor=actor,
    )
    return payment
