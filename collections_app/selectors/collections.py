"""Reads of the collections page: the customer lines of each granted entity's latest aging
snapshot filtered by a pool's criteria, their rows with agent, credit hold, last activity and
next promise, the per-entity totals, and the party rows.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, Min, OuterRef, QuerySet, Subquery, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from core.aggregates import DecimalSum
from entities.models import Customer, LegalEntity
from entities.selectors import in_granted_entities
from receivables.models import OpenTransaction

from ..models import Activity, AgingPeriodSet, AgingSnapshotLine, CollectionsProfile
from .aging import (
    AMOUNT_FIELD,
    LINE_COLUMNS,
    LINE_FIELDS,
    User,
    aging_entity_snapshots,
    aging_party_lines_for_user,
)


def collections_lines(
    user: User | None,
    *,
    period_set: AgingPeriodSet,
    criteria: dict[str, Any] | None = None,
    legal_entity_ids: set[int] | None = None,
    agent_id: int | None = None,
    today: date | None = None,
) -> QuerySet[AgingSnapshotLine]:
    """The customer lines of the collections page: each granted entity's latest complete aging
    snapshot, filtered by a pool's criteria, entities and agent. The snapshots are resolved
    first, so counting, summing and sorting read the lines by their snapshot index alone."""

    criteria = criteria or {}
    today = today or timezone.localdate()
    entity_ids = legal_entity_ids
    if criteria.get("legal_entities"):
        chosen = set(
            LegalEntity.objects.filter(code__in=criteria["legal_entities"]).values_list(
                "pk", flat=True
            )
        )
        entity_ids = chosen if entity_ids is None else entity_ids & chosen
    snapshot_ids = list(
        aging_entity_snapshots(
            user, period_set=period_set, as_of=None, legal_entity_ids=entity_ids
        ).values_list("pk", flat=True)
    )
    lines = AgingSnapshotLine.objects.filter(snapshot_id__in=snapshot_ids, customer__isnull=False)
    if criteria.get("min_overdue") is not None:
        lines = lines.filter(overdue__gte=Decimal(criteria["min_overdue"]))
    if criteria.get("min_balance") is not None:
        lines = lines.filter(balance__gte=Decimal(criteria["min_balance"]))
    if criteria.get("currency"):
        # Customers with open items in that currency: the lines' own amounts are in their
        # entity's accounting currency.
        lines = lines.filter(
            Exists(
                OpenTransaction.objects.filter(
                    customer=OuterRef("customer_id"), currency=criteria["currency"]
                ).exclude(open_amount=0)
            )
        )
    if criteria.get("agent"):
        lines = lines.filter(customer__collections__agent__username=criteria["agent"])
    if agent_id is not None:
        lines = lines.filter(customer__collections__agent_id=agent_id)
    if criteria.get("min_days_overdue") is not None:
        # An open debit, not in dispute, overdue by more than the days today.
        cutoff = today - timedelta(days=int(criteria["min_days_overdue"]))
        lines = lines.filter(
            Exists(
                OpenTransaction.objects.filter(
                    customer=OuterRef("customer_id"),
                    open_amount__gt=0,
                    disputed=False,
                    due_date__lt=cutoff,
                )
            )
        )
    return lines


COLLECTIONS_ORDERINGS = {
    "-overdue": ["-overdue", "legal_entity_id", "customer_id"],
    "-balance": ["-balance", "legal_entity_id", "customer_id"],
    "customer": ["legal_entity_id", "customer_id"],
    "party": ["party_id", "legal_entity_id", "customer_id"],
    "promised_on": ["promised_on", "legal_entity_id", "customer_id"],
    "last_activity": ["-last_activity", "legal_entity_id", "customer_id"],
}


def collections_rows(
    lines: QuerySet[AgingSnapshotLine], *, ordering: str = "-overdue", today: date | None = None
) -> QuerySet:
    """The page's rows of ``lines``, as dicts: the aged balance with the customer's names, its
    agent, credit limit, credit hold, last activity and next promise to pay, sorted in SQL. The
    per-customer look-ups are subqueries PostgreSQL runs for the rows of the page only."""

    today = today or timezone.localdate()
    agent = CollectionsProfile.objects.filter(customer=OuterRef("customer_id"))
    activities = Activity.objects.filter(customer=OuterRef("customer_id"))
    rows = lines.values(*LINE_COLUMNS, **LINE_FIELDS).annotate(
        credit_limit=F("customer__credit_limit"),
        customer_currency=F("customer__currency"),
        on_hold=F("customer__blocked"),
        agent_id=Subquery(agent.values("agent_id")[:1]),
        agent_name=Subquery(agent.values("agent__username")[:1]),
        last_activity=Subquery(activities.order_by("-created_at").values("created_at")[:1]),
        promised_on=Subquery(
            activities.filter(kind=Activity.Kind.PROMISE, promised_on__gte=today)
            .values("customer_id")
            .annotate(first=Min("promised_on"))
            .values("first")[:1]
        ),
    )
    return rows.order_by(*COLLECTIONS_ORDERINGS.get(ordering, COLLECTIONS_ORDERINGS["-overdue"]))


def collections_totals(lines: QuerySet[AgingSnapshotLine], definitions: list[dict]) -> dict:
    """Balance, overdue and each bucket summed over the page's lines, per legal entity (for the
    chart; one grouped query)."""
    count = len(definitions)
    sums = {
        f"b{i}": Coalesce(DecimalSum(Cast(KT(f"buckets__{i}"), AMOUNT_FIELD)), Value(Decimal(0)))
        for i in range(count)
    }
    codes = dict(LegalEntity.objects.values_list("pk", "code"))
    per_entity = list(
        lines.order_by()
        .values("legal_entity_id", "currency")
        .annotate(balance=DecimalSum("balance"), overdue=DecimalSum("overdue"), **sums)
        .order_by("legal_entity_id")
    )
    for row in per_entity:
        row["legal_entity__code"] = codes.get(row["legal_entity_id"], "")
        row["buckets"] = [row.pop(f"b{i}") for i in range(count)]
    per_entity.sort(key=lambda r: r["legal_entity__code"])
    return {"per_entity": per_entity, "labels": [d["label"] for d in definitions]}


def collections_party_rows(
    user: User | None,
    *,
    period_set: AgingPeriodSet,
    criteria: dict[str, Any],
    legal_entity_ids: set[int] | None = None,
    ordering: str = "-overdue",
) -> QuerySet:
    """The parties of the collections page: each party's aged balance over the granted (or
    chosen) legal entities; a pool's amount and currency criteria apply to the totals."""
    rows = aging_party_lines_for_user(
        user, period_set=period_set, legal_entity_ids=legal_entity_ids
    )
    if criteria.get("min_overdue") is not None:
        rows = rows.filter(overdue__gte=Decimal(criteria["min_overdue"]))
    if criteria.get("min_balance") is not None:
        rows = rows.filter(balance__gte=Decimal(criteria["min_balance"]))
    if criteria.get("currency"):
        # Parties with open items in that currency, whatever their accounting currencies.
        rows = rows.filter(
            Exists(
                in_granted_entities(
                    OpenTransaction.objects.filter(
                        party=OuterRef("party_id"), currency=criteria["currency"]
                    ).exclude(open_amount=0),
                    user,
                )
            )
        )
    order = {"-balance": ["-balance", "party_number"], "customer": ["party_number"]}
    return rows.order_by(*order.get(ordering, ["-overdue", "party_number"]))


def party_first_customers(user: User | None, party_numbers: list[str]) -> dict[str, int]:
    """Per party number, its first customer account in the granted entities (one query)."""

    first: dict[str, int] = {}
    for number, pk in (
        in_granted_entities(Customer.objects.filter(party__number__in=party_numbers), user)
        .order_by("legal_entity__code", "account")
        .values_list("party__number", "pk")
    ):
        first.setdefault(number, pk)
    return first


class CountedRows:
    """The page's rows for a paginator, counted on the bare lines (the row look-ups are only
    needed for the rows shown)."""

    def __init__(self, rows: QuerySet, lines: QuerySet) -> None:
        self.rows, self.lines = rows, lines

    def count(self) -> int:
        return self.lines.count()

    def __getitem__(self, key):
        return self.rows[key]
