"""Reversing a settlement: reversing vouchers for every voucher it posted, every open amount
restored exactly, in one database transaction."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext

from core.audit import Actor, audit_record
from entities.services import ensure_can_act
from ledger.services import voucher_reverse
from receivables.exceptions import OpenAmountExceeded
from receivables.services import OpenAmountChange, open_transaction_restore

from ..exceptions import SettlementAlreadyReversed, SettlementConflict, SettlementInvalid
from ..models import Settlement
from .plan import transactions_read

# Rooms above that own a settlement's lifecycle (a bill of exchange's draw, a card capture, a
# direct debit collection) register a guard: given the settlement, the reason it may not be
# reversed here, or None.
_reverse_guards: list = []


def settlement_reverse_guard_register(guard) -> None:
    _reverse_guards.append(guard)


@transaction.atomic
def settlement_reverse(
    *, settlement: Settlement, actor: Actor, on: date | None = None, guarded: bool = True
):
    """Post reversing vouchers dated ``on`` (default: the settlement's date) and restore every
    open amount exactly. The date may not precede the settlement's, and must fall in an open
    period of every entity the settlement posted in. A settlement an instrument owns is
    reversed by that instrument (``guarded=False`` is its call)."""
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.status != Settlement.Status.POSTED:
        raise SettlementAlreadyReversed(
            gettext("Settlement %(settlement)s is already reversed.")
            % {"settlement": settlement.pk},
            field="settlement",
        )
    reversal_date = on or settlement.date
    if reversal_date < settlement.date:
        raise SettlementInvalid(
            gettext("The reversal date %(on)s is before the settlement's date %(date)s.")
            % {"on": reversal_date, "date": settlement.date},
            field="date",
        )
    lines = list(settlement.lines.all())
    transactions, _ = transactions_read([line.open_transaction_id for line in lines], lock=True)
    for ot in transactions.values():
        ensure_can_act(actor, ot.legal_entity, field="settlement")
    for guard in _reverse_guards if guarded else ():
        reason = guard(settlement)
        if reason:
            raise SettlementConflict(reason, field="settlement")
    reversals = [
        voucher_reverse(
            voucher=voucher,
            actor=actor,
            on=reversal_date,
            audit=False,
            source_key=f"settlement-reversal:{settlement.pk}:{voucher.legal_entity.code}",
        )
        for voucher in settlement.vouchers.select_related("legal_entity").order_by(
            "legal_entity_id", "pk"
        )
    ]
    try:
        open_transaction_restore(
            changes=[
                OpenAmountChange(
                    transactions[line.open_transaction_id], line.amount, line.accounting_amount
                )
                for line in lines
            ]
        )
    except OpenAmountExceeded as error:
        raise SettlementInvalid(error.message, field="settlement") from None
    settlement.status = Settlement.Status.REVERSED
    settlement.reversed_by = actor if actor and actor.is_authenticated else None
    settlement.reversed_on = reversal_date
    settlement.save(update_fields=["status", "reversed_by", "reversed_on"])
    Settlement.reversal_vouchers.through.objects.bulk_create(
        Settlement.reversal_vouchers.through(settlement=settlement, voucher=v) for v in reversals
    )
    audit_record(
        actor=actor,
        action="settlement.reversed",
        obj=settlement,
        changes={"status": (Settlement.Status.POSTED, Settlement.Status.REVERSED)},
        legal_entities={ot.legal_entity_id for ot in transactions.values()}
        | {v.legal_entity_id for v in reversals},
    )
    return settlement
