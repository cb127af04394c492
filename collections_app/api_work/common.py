"""What the collections work API shares: the customers and open transactions a user may act on,
and the permission check of an action."""

from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from entities.models import Customer
from entities.selectors import in_granted_entities
from receivables.models import OpenTransaction
from receivables.selectors import open_transactions_for_user


def granted_customers(user):
    return in_granted_entities(Customer.objects.select_related("legal_entity", "party"), user)


def granted_open_transaction(user, pk, field: str = "open_transaction") -> OpenTransaction:
    # Another entity's transaction answers as one that does not exist.
    ot = open_transactions_for_user(user).filter(pk=pk).first()
    if ot is None:
        raise serializers.ValidationError({field: [f"Open transaction {pk} does not exist."]})
    return ot


def permission_require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied("You may not do this.")
