"""Reversing the last step of a bill of exchange while nothing came after it: a reversing
voucher of the step's voucher, and the bill back in the status it had before the step. The
draw's reversal reverses the settlement of the debits (they reopen exactly) and the bill's
payment; the bill is then reversed for good. A protest's reversal closes the open debit it made,
while nothing has settled that debit."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext

from core.audit import Actor, audit_record
from ledger.services import voucher_reverse
from receivables.services import open_debit_reverse, payment_reverse
from settlement.models import Settlement
from settlement.services import settlement_reverse

from ...exceptions import BillInvalid
from ...models import BillOfExchange, BillOfExchangeStep
from .common import Status, Step, bill_locked, last_step


@transaction.atomic
def bill_reverse(*, bill: BillOfExchange, actor: Actor, on: date | None = None) -> BillOfExchange:
    """Reverse the bill's last step, dated ``on`` (by default the step's own date)."""
    bill = bill_locked(bill, actor)
    step = last_step(bill)
    if step is None or bill.status == Status.REVERSED:
        raise BillInvalid(f"Bill {bill.number} has no step left to reverse.", field="bill")
    on = on or step.date
    if on < step.date:
        raise BillInvalid(
            f"The reversal date {on} is before the step it reverses "
            f"({step.get_kind_display().lower()} on {step.date}).",
            field="date",
        )
    reversal = _reverse_postings(bill, step, on, actor)
    before = bill.status
    bill.status = Status.REVERSED if step.kind == Step.DRAW else step.status_before
    fields = ["status"]
    if step.kind in (Step.REMIT_COLLECTION, Step.REMIT_DISCOUNT):
        bill.bank_account, bill.discount_accounting_amount = None, None
        fields += ["bank_account", "discount_accounting_amount"]
    if step.kind == Step.PROTEST:
        bill.protest_transaction = None
        fields.append("protest_transaction")
    bill.save(update_fields=fields)
    step.reversal_voucher = reversal
    step.reversed_on = on
    step.reversed_by = actor if actor is not None and actor.is_authenticated else None
    step.save(update_fields=["reversal_voucher", "reversed_on", "reversed_by"])
    changes = {"status": (before, bill.status), "reversed_step": (None, step.kind)}
    if reversal is not None:
        changes["reversal_voucher"] = (None, reversal.number)
    audit_record(
        actor=actor,
        action="bill_of_exchange.reversed",
        obj=bill,
        changes=changes,
        legal_entity=bill.legal_entity,
    )
    return bill


def _reverse_postings(bill: BillOfExchange, step: BillOfExchangeStep, on: date, actor: Actor):
    """The reversing voucher of the step (``None`` for an acceptance, which posted nothing)."""
    key = f"bill-reversal:{bill.number}:{step.pk}"
    if step.kind == Step.ACCEPT:
        return None
    if step.kind == Step.DRAW:
        return _draw_reverse(bill, on, actor)
    if step.kind == Step.PROTEST:
        return open_debit_reverse(
            open_transaction=bill.protest_transaction,
            what=gettext("The protested bill %(number)s") % {"number": bill.number},
            field="bill",
            source_key=key,
            actor=actor,
            on=on,
        )
    return voucher_reverse(voucher=step.voucher, actor=actor, on=on, source_key=key, audit=False)


def _draw_reverse(bill: BillOfExchange, on: date, actor: Actor):
    """The debits reopened (the draw's settlement reversed, unless that was done already) and
    the bill's payment reversed; returns the payment's reversing voucher."""
    settlement = Settlement.objects.get(pk=bill.settlement_id)
    if settlement.status == Settlement.Status.POSTED:
        settlement_reverse(settlement=settlement, actor=actor, on=on, guarded=False)
    payment = payment_reverse(payment=bill.payment, actor=actor, on=on, guarded=False)
    return payment.reversal_voucher
