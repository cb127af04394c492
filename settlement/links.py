"""The links the settlement room registers with lower rooms: an open transaction's page lists
the settlements that touched it (``core.links``), and a settlement voucher's page links to its
settlement (``ledger.sources``)."""

from django.urls import reverse
from django.utils.translation import gettext_noop

from core.links import Link
from core.money import format_amount
from ledger.models import Voucher
from receivables.models import OpenTransaction

from .models import Settlement
from .selectors import settlement_lines_of, settlements_for_user


def settlements_of_open_transaction(open_transaction: OpenTransaction, user) -> list[Link]:
    links = []
    for line in settlement_lines_of(open_transaction, user):
        settlement = line.settlement
        taken = format_amount(line.amount, open_transaction.currency)
        note = f"{settlement.date.isoformat()} · {taken} {open_transaction.currency} taken off"
        if settlement.status == Settlement.Status.REVERSED:
            note += f" · reversed on {settlement.reversed_on.isoformat()}"
        links.append(
            Link(
                kind=gettext_noop("Settlement"),
                label=str(settlement.pk),
                url=reverse("settlement-detail", args=[settlement.pk]),
                note=note,
            )
        )
    return links


def _settlement(kind: str):
    """A resolver of "settlement:<pk>:<entity>" and "settlement-reversal:<pk>:<entity>"."""

    def resolve(rest: str, voucher: Voucher, user) -> Link | None:
        pk = rest.partition(":")[0]
        if not pk.isdigit():
            return None
        settlement = settlements_for_user(user).prefetch_related(None).filter(pk=pk).first()
        if settlement is None:
            return None
        return Link(
            kind=kind,
            label=str(settlement.pk),
            url=reverse("settlement-detail", args=[settlement.pk]),
            note=f"{settlement.date.isoformat()} · party {settlement.party.number}",
        )

    return resolve


VOUCHER_SOURCES = {
    "settlement": _settlement(gettext_noop("Settlement")),
    "settlement-reversal": _settlement(gettext_noop("Reversal of settlement")),
}
