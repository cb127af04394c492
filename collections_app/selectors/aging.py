"""Reads of aging: period sets, the complete aging snapshots a user may see and their lines.

Lines are returned as rows (dicts) of one shape whether they come from a customer line, a stored
party line, or party totals summed on the fly from the customer lines of the entities granted to
a user who may not see every entity a stored party line sums:
``snapshot_id, as_of, legal_entity_code, customer_id, customer_account, customer_name,
party_number, party_name, currency, balance, not_due, overdue`` and the bucket amounts
(``buckets``, a list of decimal strings, or ``b0``, ``b1``… when summed).
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
from entities.selectors import granted_entity_ids

from ..exceptions import AgingPeriodSetUnknown
from ..models import AgingPeriodSet, AgingSnapshot, AgingSnapshotLine

User = AbstractBaseUser | AnonymousUser
AMOUNT_FIELD = DecimalField(max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES)

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


def aging_entity_snapshots(
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


LINE_FIELDS = {
    "as_of": F("snapshot__as_of"),
    "legal_entity_code": F("legal_entity__code"),
    "customer_account": F("customer__account"),
    "customer_name": F("customer__name"),
    "party_number": F("party__number"),
    "party_name": F("party__name"),
    "bucket_definitions": F("snapshot__buckets"),
}
LINE_COLUMNS = (
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
    snapshots = aging_entity_snapshots(
        user, period_set=period_set, as_of=as_of, legal_entity_ids=legal_entity_ids
    )
    return (
        AgingSnapshotLine.objects.filter(snapshot__in=snapshots, customer__isnull=False)
        .values(*LINE_COLUMNS, **LINE_FIELDS)
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
    snapshots = aging_entity_snapshots(
        user, period_set=period_set, as_of=as_of, legal_entity_ids=legal_entity_ids
    )
    count = period_set.buckets.count()
    buckets = {
        f"b{i}": Coalesce(DecimalSum(Cast(KT(f"buckets__{i}"), AMOUNT_FIELD)), Value(Decimal(0)))
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
        # No snapshot yet: no row, with the row's columns, so that callers may filter and order.
        return AgingSnapshotLine.objects.none().values(*LINE_COLUMNS, **LINE_FIELDS)
    stored = visible.filter(legal_entity__isnull=True, as_of=as_of).first()
    if stored is not None and legal_entity_ids is None:
        return (
            AgingSnapshotLine.objects.filter(snapshot=stored, customer__isnull=True)
            .values(*LINE_COLUMNS, **LINE_FIELDS)
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
        aging_entity_snapshots(
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
            f"b{i}": Coalesce(
                DecimalSum(Cast(KT(f"buckets__{i}"), AMOUNT_FIELD)), Value(Decimal(0))
            )
            for i in range(count)
        },
    )
    sums["buckets"] = [sums.pop(f"b{i}") for i in range(count)]
    return sums
