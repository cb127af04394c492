"""Reads of the settlement room."""

from django.db.models import Prefetch, QuerySet

from entities.selectors import User, granted_entity_ids

from .models import Settlement, SettlementLine


def settlements_for_user(user: User | None) -> QuerySet[Settlement]:
    """Settlements whose every transaction is in an entity the user may act in."""
    qs = Settlement.objects.select_related("party", "created_by").prefetch_related(
        Prefetch(
            "lines",
            queryset=SettlementLine.objects.select_related(
                "open_transaction__legal_entity"
            ).order_by("id"),
        ),
        "vouchers",
        "reversal_vouchers",
    )
    ids = granted_entity_ids(user)
    if ids is None:
        return qs
    return qs.exclude(lines__open_transaction__legal_entity__in=_not_granted(ids)).distinct()


def _not_granted(ids):
    from entities.models import LegalEntity

    return LegalEntity.objects.exclude(pk__in=ids)
