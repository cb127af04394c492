"""Reads of write-offs that other rooms ask for."""

from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, When

from core.aggregates import DecimalSum
from core.money import ZERO
from entities.models import LegalEntity

from ..models import WriteOff


def written_off_accounting_as_of(legal_entity: LegalEntity, on: date) -> Decimal:
    """What write-offs dated on or before ``on`` took off the entity's open transactions dated
    on or before it, in accounting currency, signed like the transactions (a write-off keeps
    its amounts positive; a small credit written off takes a negative amount off). Registered
    with the AR close, which computes the open items as of a period's end."""
    signed = Case(
        When(open_transaction__amount__lt=0, then=-F("accounting_amount")),
        default=F("accounting_amount"),
        output_field=DecimalField(max_digits=24, decimal_places=4),
    )
    total = WriteOff.objects.filter(
        legal_entity=legal_entity, date__lte=on, open_transaction__date__lte=on
    ).aggregate(total=DecimalSum(signed))["total"]
    return total or ZERO
