"""Reads of a customer's collections view: the customer, its party's open items aged now,
its activities, letters and agent, and the transaction or dispute an action names.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from entities.models import Customer
from entities.selectors import in_granted_entities, legal_entities_for_user, user_can_act_in
from receivables.models import OpenTransaction
from receivables.selectors import open_transactions_for_user

from ..models import Activity, CollectionLetter, CollectionsProfile, Dispute
from .aging import User


def party_open_items(party, user: User | None, *, on: date):
    """A party's open transactions in its granted entities, oldest due first, with days
    overdue (negative: not yet due)."""

    qs = in_granted_entities(
        OpenTransaction.objects.filter(party=party).exclude(open_amount=0), user
    )
    items = list(
        qs.select_related("legal_entity", "customer")
        .prefetch_related("disputes")
        .order_by("due_date", "document_number")
    )
    for item in items:
        item.days_overdue = (on - item.due_date).days
    return items


def live_aging(items, buckets, *, on: date) -> list[dict[str, Any]]:
    """Open accounting amounts of ``items`` (open transactions) per legal entity and bucket
    (``AgingBucket``s), aged now: what the customer view shows right after a payment, a
    write-off or a dispute."""
    buckets = list(buckets)
    per_entity: dict[str, dict[str, Any]] = {}
    for item in items:
        row = per_entity.setdefault(
            item.legal_entity.code,
            {
                "legal_entity": item.legal_entity.code,
                "currency": item.legal_entity.accounting_currency,
                "buckets": [Decimal(0)] * len(buckets),
                "balance": Decimal(0),
            },
        )
        days = (on - item.due_date).days
        index = next((i for i, b in enumerate(buckets) if b.contains(days)), None)
        if index is not None:
            row["buckets"][index] += item.open_accounting_amount
        row["balance"] += item.open_accounting_amount
    return [per_entity[code] for code in sorted(per_entity)]


def _pk(value: object) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 19 else None


def collections_customer_for_user(user: User | None, pk: int):
    """A customer with its party and legal entity, when ``user`` may act in its entity."""

    customer = (
        Customer.objects.select_related("legal_entity", "party").filter(pk=_pk(pk) or 0).first()
    )
    if customer is None or not user_can_act_in(user, customer.legal_entity):
        return None
    return customer


def collections_customer_overview(customer, user: User | None) -> dict[str, Any]:
    """What a customer's collections view lists beside the open items: the party's activities
    in the granted entities, the account's letters, its agent and the users who may be one."""

    profile = CollectionsProfile.objects.filter(customer=customer).select_related("agent").first()
    return {
        "activities": Activity.objects.filter(party=customer.party)
        .filter(legal_entity__in=legal_entities_for_user(user))
        .select_related("created_by", "legal_entity")[:50],
        "letters": CollectionLetter.objects.filter(customer=customer).select_related("step"),
        "agent": profile.agent if profile else None,
        "agents": get_user_model().objects.filter(is_active=True).order_by("username"),
    }


def collections_transaction_for_user(user: User | None, pk: object):
    """A transaction of the entities granted to ``user`` (settled ones too), by id as posted."""

    return open_transactions_for_user(user).filter(pk=_pk(pk) or 0).first()


def open_dispute_for_user(user: User | None, pk: object):
    """A dispute still open, in the entities granted to ``user``, by id as posted."""

    return (
        in_granted_entities(Dispute.objects.all(), user)
        .filter(pk=_pk(pk) or 0, status="open")
        .first()
    )


def collections_agent_by_username(username: str):
    """The user named ``username``, if any (none: the customer has no agent)."""

    return get_user_model().objects.filter(username=username).first()
