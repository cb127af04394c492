"""Reads of customer statements: those a user may see (granted every entity it covers)."""

from django.db.models import QuerySet

from entities.models import LegalEntity
from entities.selectors import granted_entity_ids

from ..models import CustomerStatement
from .aging import User


def customer_statements_for_user(user: User | None) -> QuerySet[CustomerStatement]:
    qs = CustomerStatement.objects.select_related("party", "customer__legal_entity", "created_by")
    ids = granted_entity_ids(user)
    if ids is None:
        return qs
    return (
        qs.filter(legal_entities__in=ids)
        .exclude(legal_entities__in=LegalEntity.objects.exclude(pk__in=ids))
        .distinct()
    )


def customer_statement_for_user(user: User | None, pk: object) -> CustomerStatement | None:
    text = str(pk or "")
    if not text.isdigit() or len(text) > 18:
        return None
    return customer_statements_for_user(user).filter(pk=int(text)).first()
