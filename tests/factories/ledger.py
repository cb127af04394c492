"""Factories of the ledger room: vouchers are posted through the posting service."""

from datetime import date
from decimal import Decimal

from ledger.services import VoucherInput, VoucherLineInput, voucher_post


def post_simple_voucher(
    entity,
    *,
    amount="100.00",
    currency="USD",
    on=date(2026, 3, 2),
    debit="bank",
    credit="revenue",
    source_key=None,
    actor=None,
):
    amount = Decimal(amount)
    return voucher_post(
        voucher=VoucherInput(
            legal_entity=entity,
            date=on,
            source_key=source_key,
            lines=[
                VoucherLineInput(posting_type=debit, currency=currency, amount=amount),
                VoucherLineInput(posting_type=credit, currency=currency, amount=-amount),
            ],
        ),
        actor=actor,
    )
