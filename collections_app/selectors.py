"""Reads of the collections room: aging period sets and the aging snapshot lines a user may see.

Lines are returned as rows (dicts) of one shape whether they come from a customer line, a stored
party line, or party totals summed on the fly from the customer lines of the entities granted to
a user who may not see every entity a stored party line sums:
``snapshot_id, as_of, legal_entity_code, customer_id, customer_account, customer_name,
party_number, party_name, currency, balance, not_due, overdue`` and the bucket amounts
(``buckets``, a list of decimal strings, or ``b0``, ``b1``… when summed).

Past the ~400 lines the style asks for: it is split by concern when the platform moves to
``core`` and each concept gets one owner (the architecture step), so that the split is done
once, in the new layout, with behaviour and figures unchanged.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    CharField,
    DateField,
    DecimalField,
    F,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from core.aggregates import DecimalSum
from core.money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS, format_amount
from entities.models import LegalEntity
from entities.selectors import granted_entity_ids, in_granted_entities

from .exceptions import AgingPeriodSetUnknown
from .models import AgingPeriodSet, AgingSnapshot, AgingSnapshotLine

User = AbstractBaseUser | AnonymousUser
_AMOUNT = DecimalField(max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES)

LEVELS = ("customer", "party")
ORDERINGS = {
    "balance": ["balance"],
    "-balance": ["-balance"],
    "overdue": ["overdue"],
    "-overdue": ["-overdue"],
    "not_due": ["not_due"],
    "-not_due": ["-not_due"],
    "party": ["party_number", "currency"],
    "customer": ["legal_entity_code", "customer_account"],
}


def aging_period_set_get(*, code: str | None = None) -> AgingPeriodSet:
    """The period set with ``code``, or the default one."""
    qs = AgingPeriodSet.objects.all()
    period_set = qs.filter(code=code).first() if code else qs.filter(is_default=True).first()
    if period_set is None:
        if code:
            raise AgingPeriodSetUnknown(f"Unknown aging period set {code!r}.", field="period_set")
        raise AgingPeriodSetUnknown(
            "No aging period set is the default: mark one as default in the admin.",
            field="period_set",
        )
    return period_set


def aging_period_sets() -> QuerySet[AgingPeriodSet]:
    return AgingPeriodSet.objects.prefetch_related("buckets").order_by("code")


def aging_snapshots_for_user(user: User | None) -> QuerySet[AgingSnapshot]:
    """Complete snapshots of the entities granted to ``user``; a party level only when every
    entity it sums is granted."""
    qs = AgingSnapshot.objects.filter(is_complete=True).select_related("legal_entity", "period_set")
    ids = granted_entity_ids(user)
    if ids is None:
        return qs
    entity_level = qs.filter(legal_entity_id__in=ids)
    party_level = qs.filter(legal_entity__isnull=True).exclude(
        legal_entities__in=LegalEntity.objects.exclude(pk__in=ids)
    )
    return entity_level | party_level


def _entity_snapshots(
    user: User | None,
    *,
    period_set: AgingPeriodSet,
    as_of: date | None,
    legal_entity_ids: set[int] | None,
) -> QuerySet[AgingSnapshot]:
    """Per granted entity the snapshot of ``as_of``, or its latest one."""
    qs = AgingSnapshot.objects.filter(
        is_complete=True, legal_entity__isnull=False, period_set=period_set
    )
    ids = granted_entity_ids(user)
    if ids is not None:
        qs = qs.filter(legal_entity_id__in=ids)
    if legal_entity_ids is not None:
        qs = qs.filter(legal_entity_id__in=legal_entity_ids)
    if as_of is not None:
        return qs.filter(as_of=as_of)
    latest = (
        AgingSnapshot.objects.filter(
            is_complete=True, period_set=period_set, legal_entity=OuterRef("legal_entity")
        )
        .order_by("-as_of")
        .values("as_of")[:1]
    )
    return qs.filter(as_of=Subquery(latest))


_LINE_FIELDS = {
    "as_of": F("snapshot__as_of"),
    "legal_entity_code": F("legal_entity__code"),
    "customer_account": F("customer__account"),
    "customer_name": F("customer__name"),
    "party_number": F("party__number"),
    "party_name": F("party__name"),
    "bucket_definitions": F("snapshot__buckets"),
}
_LINE_COLUMNS = (
    "snapshot_id",
    "customer_id",
    "currency",
    "balance",
    "not_due",
    "overdue",
    "buckets",
)


def aging_customer_lines_for_user(
    user: User | None,
    *,
    period_set: AgingPeriodSet,
    as_of: date | None = None,
    legal_entity_ids: set[int] | None = None,
) -> QuerySet:
    """Customer lines of the granted entities' snapshots of ``as_of`` (each entity's latest
    without it), as rows; one query."""
    snapshots = _entity_snapshots(
        user, period_set=period_set, as_of=as_of, legal_entity_ids=legal_entity_ids
    )
    return (
        AgingSnapshotLine.objects.filter(snapshot__in=snapshots, customer__isnull=False)
        .values(*_LINE_COLUMNS, **_LINE_FIELDS)
        .order_by("legal_entity_code", "customer_account")
    )


def _party_totals(
    user: User | None,
    *,
    period_set: AgingPeriodSet,
    as_of: date,
    legal_entity_ids: set[int] | None,
) -> QuerySet:
    """Party totals summed now from the customer lines of the granted entities on ``as_of``."""
    snapshots = _entity_snapshots(
        user, period_set=period_set, as_of=as_of, legal_entity_ids=legal_entity_ids
    )
    count = period_set.buckets.count()
    buckets = {
        f"b{i}": Coalesce(DecimalSum(Cast(KT(f"buckets__{i}"), _AMOUNT)), Value(Decimal(0)))
        for i in range(count)
    }
    return (
        AgingSnapshotLine.objects.filter(snapshot__in=snapshots, customer__isnull=False)
        .values(
            "currency", "party_id", party_number=F("party__number"), party_name=F("party__name")
        )
        .annotate(
            balance=DecimalSum("balance"),
            not_due=DecimalSum("not_due"),
            overdue=DecimalSum("overdue"),
            **buckets,
        )
        .annotate(
            as_of=Value(as_of, output_field=DateField()),
            legal_entity_code=Value(None, output_field=CharField()),
        )
        .order_by("party_number", "currency")
    )


def aging_party_lines_for_user(
    user: User | None,
    *,
    period_set: AgingPeriodSet,
    as_of: date | None = None,
    legal_entity_ids: set[int] | None = None,
) -> QuerySet:
    """Party lines of ``as_of`` (the latest date without it). The stored party level when the
    user may see every entity it sums and no entity filter is given; otherwise the totals of
    the customer lines of the granted (and chosen) entities on that date."""
    visible = aging_snapshots_for_user(user).filter(period_set=period_set)
    if as_of is None:
        as_of = visible.filter(legal_entity__isnull=True).aggregate(d=Max("as_of"))["d"]
    if as_of is None:
        as_of = visible.filter(legal_entity__isnull=False).aggregate(d=Max("as_of"))["d"]
    if as_of is None:
        return AgingSnapshotLine.objects.none().values()
    stored = visible.filter(legal_entity__isnull=True, as_of=as_of).first()
    if stored is not None and legal_entity_ids is None:
        return (
            AgingSnapshotLine.objects.filter(snapshot=stored, customer__isnull=True)
            .values(*_LINE_COLUMNS, **_LINE_FIELDS)
            .order_by("party_number", "currency")
        )
    return _party_totals(
        user, period_set=period_set, as_of=as_of, legal_entity_ids=legal_entity_ids
    )


def aging_row_buckets(row: dict[str, Any], definitions: list[dict]) -> list[dict[str, Any]]:
    """``[{"label", "from_days", "to_days", "amount"}]`` of a row (stored or summed)."""
    currency = row["currency"]
    if "buckets" in row:
        amounts = [Decimal(a) for a in row["buckets"]]
    else:
        amounts = [row.get(f"b{i}") or Decimal(0) for i in range(len(definitions))]
    return [
        {**d, "amount": format_amount(a, currency)}
        for d, a in zip(definitions, amounts, strict=False)
    ]


def aging_snapshot_for_entity(
    user: User | None,
    *,
    legal_entity: LegalEntity,
    period_set: AgingPeriodSet,
    as_of: date | None = None,
) -> AgingSnapshot | None:
    """The entity's snapshot of ``as_of`` (its latest without it), if the user may see it."""
    return (
        _entity_snapshots(
            user, period_set=period_set, as_of=as_of, legal_entity_ids={legal_entity.pk}
        )
        .select_related("legal_entity", "period_set", "job")
        .first()
    )


LINE_ORDERINGS = {
    "customer": ["customer__account"],
    "party": ["party__number", "customer__account"],
    "-balance": ["-balance", "customer__account"],
    "-overdue": ["-overdue", "customer__account"],
}


def aging_snapshot_lines(snapshot: AgingSnapshot, *, ordering: str = "customer") -> QuerySet:
    """A snapshot's lines with their customer and party, sorted in SQL."""
    return (
        AgingSnapshotLine.objects.filter(snapshot=snapshot)
        .select_related("customer", "party")
        .order_by(*LINE_ORDERINGS.get(ordering, LINE_ORDERINGS["customer"]))
    )


def aging_snapshot_totals(snapshot: AgingSnapshot) -> dict[str, Any]:
    """Balance, not due, overdue and each bucket summed over a snapshot's lines (one query)."""
    count = len(snapshot.buckets)
    sums = AgingSnapshotLine.objects.filter(snapshot=snapshot).aggregate(
        balance=Coalesce(DecimalSum("balance"), Value(Decimal(0))),
        not_due=Coalesce(DecimalSum("not_due"), Value(Decimal(0))),
        overdue=Coalesce(DecimalSum("overdue"), Value(Decimal(0))),
        **{
            f"b{i}": Coalesce(DecimalSum(Cast(KT(f"buckets__{i}"), _AMOUNT)), Value(Decimal(0)))
            for i in range(count)
        },
    )
    sums["buckets"] = [sums.pop(f"b{i}") for i in range(count)]
    return sums


# --- the collections page ---------------------------------------------------------------------


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
    from django.db.models import Exists
    from django.utils import timezone

    from receivables.models import OpenTransaction

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
        _entity_snapshots(
            user, period_set=period_set, as_of=None, legal_entity_ids=entity_ids
        ).values_list("pk", flat=True)
    )
    lines = AgingSnapshotLine.objects.filter(snapshot_id__in=snapshot_ids, customer__isnull=False)
    if criteria.get("min_overdue") is not None:
        lines = lines.filter(overdue__gte=Decimal(criteria["min_overdue"]))
    if criteria.get("min_balance") is not None:
        lines = lines.filter(balance__gte=Decimal(criteria["min_balance"]))
    if criteria.get("currency"):
        lines = lines.filter(currency=criteria["currency"])
    if criteria.get("agent"):
        lines = lines.filter(customer__collections__agent__username=criteria["agent"])
    if agent_id is not None:
        lines = lines.filter(customer__collections__agent_id=agent_id)
    if criteria.get("min_days_overdue") is not None:
        from datetime import timedelta

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
    from django.db.models import Min
    from django.utils import timezone

    from .models import Activity, CollectionsProfile

    today = today or timezone.localdate()
    agent = CollectionsProfile.objects.filter(customer=OuterRef("customer_id"))
    activities = Activity.objects.filter(customer=OuterRef("customer_id"))
    rows = lines.values(*_LINE_COLUMNS, **_LINE_FIELDS).annotate(
        credit_limit=F("customer__credit_limit"),
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
        f"b{i}": Coalesce(DecimalSum(Cast(KT(f"buckets__{i}"), _AMOUNT)), Value(Decimal(0)))
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


def party_open_items(party, user: User | None, *, on: date):
    """A party's open transactions in its granted entities, oldest due first, with days
    overdue (negative: not yet due)."""
    from receivables.models import OpenTransaction

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
        rows = rows.filter(currency=criteria["currency"])
    order = {"-balance": ["-balance", "party_number"], "customer": ["party_number"]}
    return rows.order_by(*order.get(ordering, ["-overdue", "party_number"]))


def party_first_customers(user: User | None, party_numbers: list[str]) -> dict[str, int]:
    """Per party number, its first customer account in the granted entities (one query)."""
    from entities.models import Customer

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


# --- a customer's collections view --------------------------------------------------------------


def _pk(value: object) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 19 else None


def collections_customer_for_user(user: User | None, pk: int):
    """A customer with its party and legal entity, when ``user`` may act in its entity."""
    from entities.models import Customer
    from entities.selectors import user_can_act_in

    customer = (
        Customer.objects.select_related("legal_entity", "party").filter(pk=_pk(pk) or 0).first()
    )
    if customer is None or not user_can_act_in(user, customer.legal_entity):
        return None
    return customer


def collections_customer_overview(customer, user: User | None) -> dict[str, Any]:
    """What a customer's collections view lists beside the open items: the party's activities
    in the granted entities, the account's letters, its agent and the users who may be one."""
    from django.contrib.auth import get_user_model

    from entities.selectors import legal_entities_for_user

    from .models import Activity, CollectionLetter, CollectionsProfile

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
    from receivables.selectors import open_transactions_for_user

    return open_transactions_for_user(user).filter(pk=_pk(pk) or 0).first()


def open_dispute_for_user(user: User | None, pk: object):
    """A dispute still open, in the entities granted to ``user``, by id as posted."""
    from .models import Dispute

    return (
        in_granted_entities(Dispute.objects.all(), user)
        .filter(pk=_pk(pk) or 0, status="open")
        .first()
    )


def collections_agent_by_username(username: str):
    """The user named ``username``, if any (none: the customer has no agent)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).first()
