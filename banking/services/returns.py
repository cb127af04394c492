"""Returned direct debits: a debit line with a return reason names, by end-to-end id, the
payment a collection posted. Posting it reverses that payment's settlements and the payment
(its invoices reopen exactly), books the bank's return fee to ``bank_charges``, and, for a
payment of a collection run, records the return on its mandate (reason, count, attention;
see ``direct_debits.mandates.mandate_return_record``)."""

from datetime import date
from decimal import Decimal

from django.db import connection

from core.audit import Actor, audit_record
from core.money import ZERO, format_amount
from ledger.models import PostingType, Voucher
from ledger.services import VoucherInput, VoucherLineInput, vouchers_post
from receivables.models import DocumentStatus, OpenTransaction, Payment
from receivables.services import payment_reverse
from settlement.models import Settlement
from settlement.services import settlement_reverse

from ..exceptions import LineInvalid
from ..models import BankStatement, BankStatementLine, DirectDebitPayment, SequenceType
from .direct_debits.mandates import mandate_return_record

RETURN_RULE = "return"


def returns_match(*, statement: BankStatement) -> int:
    """Match the statement's returned debits not yet decided to the posted payments they
    return (collected on the same bank account, same end-to-end id); returns how many were
    matched."""
    lines = list(
        statement.lines.filter(
            amount__lt=0,
            status=BankStatementLine.Status.UNMATCHED,
            marked_by_user=False,
            returned_payment__isnull=True,
        ).exclude(end_to_end_id="")
    )
    if not lines:
        return 0
    # Collected on this very bank account: the return takes the money back from its account.
    account = statement.bank_account
    payments = {
        p.end_to_end_id: p
        for p in Payment.objects.filter(
            legal_entity_id=account.legal_entity_id,
            bank_ledger_account_id=account.main_account_id,
            status=DocumentStatus.POSTED,
            end_to_end_id__in=[line.end_to_end_id for line in lines],
        ).select_related("customer")
    }
    matched = []
    for line in lines:
        payment = payments.get(line.end_to_end_id)
        if payment is None or payment.currency != line.currency or -line.amount < payment.amount:
            continue
        fee = -line.amount - payment.amount
        line.returned_payment = payment
        line.customer = payment.customer
        line.status = BankStatementLine.Status.MATCHED
        line.proposals = [
            {
                "rule": RETURN_RULE,
                "confidence": 100,
                "reason": (
                    f"Returned direct debit {line.end_to_end_id} of payment {payment.number}"
                    f" (reason {line.return_reason or 'not given'}); return fee "
                    f"{format_amount(fee, line.currency)}."
                ),
                "customer": payment.customer_id,
                "tie": False,
                "transactions": [],
            }
        ]
        matched.append(line)
    BankStatementLine.objects.bulk_update(
        matched, ["returned_payment", "customer", "status", "proposals"]
    )
    return len(matched)


def return_post(*, line: BankStatementLine, on: date, actor: Actor) -> Voucher | None:
    """Reverse the returned payment (its settlements first) and book the fee; inside the
    line's posting transaction. Returns the fee's voucher, if any."""
    assert connection.in_atomic_block
    payment = Payment.objects.select_for_update().get(pk=line.returned_payment_id)
    if payment.status != DocumentStatus.POSTED:
        raise LineInvalid(
            f"Payment {payment.number} is {payment.status}: only a posted payment can be returned.",
            field="returned_payment",
        )
    fee = -line.amount - payment.amount
    if fee < ZERO:
        raise LineInvalid(
            f"The line returns {format_amount(-line.amount, line.currency)}, less than payment "
            f"{payment.number} ({format_amount(payment.amount, payment.currency)}).",
            field="amount",
        )
    payment_ot = OpenTransaction.objects.get(payment=payment)
    settlements = (
        Settlement.objects.filter(
            lines__open_transaction=payment_ot, status=Settlement.Status.POSTED
        )
        .distinct()
        .order_by("pk")
    )
    for settlement in settlements:
        settlement_reverse(settlement=settlement, actor=actor, on=on, guarded=False)
    payment_reverse(payment=payment, actor=actor, on=on, guarded=False)
    voucher = _fee_post(line, fee, on, actor) if fee else None
    _mandate_tell(payment, line, on, actor)
    audit_record(
        actor=actor,
        action="payment.returned",
        obj=payment,
        changes={
            "return_reason": (None, line.return_reason),
            "fee": (None, format_amount(fee, line.currency)),
        },
        legal_entity=payment.legal_entity,
    )
    return voucher


def _mandate_tell(payment: Payment, line: BankStatementLine, on: date, actor: Actor) -> None:
    """The collection under a mandate came back: the reason on the collection and the
    mandate; a returned first collection makes the next one a first one again."""
    collected = (
        DirectDebitPayment.objects.select_for_update(of=("self",)).filter(payment=payment).first()
    )
    if collected is None:
        return
    collected.return_reason = (line.return_reason or "")[:4]
    collected.returned_on = on
    collected.save(update_fields=["return_reason", "returned_on"])
    mandate = mandate_return_record(
        mandate_id=collected.mandate_id, reason=line.return_reason, actor=actor
    )
    others = mandate.collected.exclude(pk=collected.pk).filter(returned_on__isnull=True)
    if (
        collected.sequence_type == SequenceType.FRST
        and mandate.next_sequence_type == SequenceType.RCUR
        and not others.exists()
    ):
        mandate.next_sequence_type = SequenceType.FRST
        mandate.save(update_fields=["next_sequence_type"])


def _fee_post(line: BankStatementLine, fee: Decimal, on: date, actor: Actor) -> Voucher:
    account = line.statement.bank_account
    (voucher,) = vouchers_post(
        vouchers=[
            VoucherInput(
                legal_entity=account.legal_entity,
                date=on,
                description=f"Return fee {line.end_to_end_id}",
                source_key=f"bank-line-fee:{line.pk}",
                lines=[
                    VoucherLineInput(PostingType.BANK_CHARGES, line.currency, fee),
                    VoucherLineInput(
                        PostingType.BANK, line.currency, -fee, account=account.main_account
                    ),
                ],
            )
        ],
        actor=actor,
    )
    return voucher
