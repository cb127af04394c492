"""What the receivables room's API modules share: the legal entity and the customer a request
names by code, turned into objects or a 400 beside the field, and the 403 for a list filtered by
a legal entity the user may not act in."""

from rest_framework import serializers

from entities.models import Customer, LegalEntity
from ledger.api import _entity_filter_guard as entity_filter_guard

from .selectors import customer_resolve

__all__ = ["customer_named", "entity_filter_guard", "legal_entity_named"]


class WithOpenTransaction(serializers.Serializer):
    """The id of the open transaction a posted document, payment or note created, else null."""

    open_transaction = serializers.SerializerMethodField()

    def get_open_transaction(self, obj) -> int | None:
        # A missing reverse one-to-one raises a subclass of AttributeError.
        open_transaction = getattr(obj, "open_transaction", None)
        return open_transaction.pk if open_transaction is not None else None


def legal_entity_named(code: str, field: str = "legal_entity") -> LegalEntity:
    entity = LegalEntity.objects.filter(code=code).first()
    if entity is None:
        raise serializers.ValidationError({field: [f"Unknown legal entity {code!r}."]})
    return entity


def customer_named(entity: LegalEntity, value, field: str = "customer") -> Customer:
    customer = customer_resolve(entity, value)
    if customer is None:
        raise serializers.ValidationError(
            {field: [f"No customer {value!r} in legal entity {entity.code}."]}
        )
    return customer
