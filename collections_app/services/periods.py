"""Aging period sets: their buckets, checked for gaps and overlaps, and the default set."""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from django.db import transaction

from core.audit import Actor, audit_record
from core.errors import InvalidInput

from ..exceptions import AgingBucketsGap, AgingBucketsOverlap
from ..models import AgingBucket, AgingPeriodSet

DEFAULT_PERIOD_SET_CODE = "DEFAULT"
# (label, from_days, to_days): days overdue, both bounds included, None open-ended.
DEFAULT_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("Current", None, 0),
    ("1–30", 1, 30),
    ("31–60", 31, 60),
    ("61–90", 61, 90),
    ("Over 90", 91, None),
)


@dataclass(frozen=True)
class AgingBucketInput:
    label: str
    from_days: int | None = None
    to_days: int | None = None


def _name(index: int, bucket: AgingBucketInput) -> str:
    return f"bucket {index} ({bucket.label})"


def aging_buckets_validate(buckets: Sequence[AgingBucketInput]) -> None:
    """Buckets, in their order, must hold every day count exactly once: the first open below
    (it holds what is not yet due), the last open above, each starting the day after the one
    before it ends."""
    if not buckets:
        raise AgingBucketsGap("An aging period set needs at least one bucket.", field="buckets")
    for i, b in enumerate(buckets, 1):
        if not b.label.strip():
            raise AgingBucketsGap(f"Bucket {i} needs a label.", field="buckets")
        if b.from_days is not None and b.to_days is not None and b.from_days > b.to_days:
            raise AgingBucketsGap(
                f"The {_name(i, b)} ends at day {b.to_days}, before it starts at day "
                f"{b.from_days}.",
                field="buckets",
            )
    first, last = buckets[0], buckets[-1]
    if first.from_days is not None:
        raise AgingBucketsGap(
            f"Day counts below {first.from_days} (items not yet due) are in no bucket: leave "
            f"the start of the {_name(1, first)} empty.",
            field="buckets",
        )
    if last.to_days is not None:
        raise AgingBucketsGap(
            f"Day counts above {last.to_days} are in no bucket: leave the end of the "
            f"{_name(len(buckets), last)} empty.",
            field="buckets",
        )
    for i, (before, after) in enumerate(pairwise(buckets), 1):
        if before.to_days is None or after.from_days is None:
            raise AgingBucketsOverlap(
                f"The {_name(i, before)} and the {_name(i + 1, after)} overlap: only the first "
                "bucket may have no start and only the last no end.",
                field="buckets",
            )
        if after.from_days <= before.to_days:
            shared_to = (
                before.to_days if after.to_days is None else min(before.to_days, after.to_days)
            )
            raise AgingBucketsOverlap(
                f"The {_name(i, before)} and the {_name(i + 1, after)} overlap: days "
                f"{after.from_days} to {shared_to} are in both.",
                field="buckets",
            )
        if after.from_days > before.to_days + 1:
            raise AgingBucketsGap(
                f"Days {before.to_days + 1} to {after.from_days - 1} are in no bucket: the "
                f"{_name(i + 1, after)} should start at day {before.to_days + 1}.",
                field="buckets",
            )


def bucket_rows(period_set: AgingPeriodSet) -> list[tuple]:
    return [(b.label, b.from_days, b.to_days) for b in period_set.buckets.order_by("sequence")]


def aging_period_set_check(
    *, period_set: AgingPeriodSet | None, is_default: bool, buckets: Sequence[AgingBucketInput]
) -> None:
    """What saving a period set would refuse: gaps or overlaps in its buckets, and taking the
    default mark off the default set (one set is always the default)."""
    aging_buckets_validate(buckets)
    if (
        period_set is not None
        and period_set.pk
        and not is_default
        and AgingPeriodSet.objects.filter(pk=period_set.pk, is_default=True).exists()
    ):
        raise InvalidInput(
            "One aging period set is always the default: make another one the default instead.",
            field="is_default",
        )


@transaction.atomic
def aging_period_set_save(
    *,
    code: str,
    name: str,
    buckets: Sequence[AgingBucketInput],
    is_default: bool = False,
    actor: Actor,
    instance: AgingPeriodSet | None = None,
) -> AgingPeriodSet:
    """Create or replace an aging period set with its buckets (in the order given). Making it
    the default takes the mark from the set that had it."""
    from core.errors import InvalidInput

    aging_buckets_validate(buckets)
    if instance is not None and instance.pk:
        instance = AgingPeriodSet.objects.select_for_update().get(pk=instance.pk)
        if instance.is_default and not is_default:
            raise InvalidInput(
                "One aging period set is always the default: make another one the default instead.",
                field="is_default",
            )
    period_set = instance or AgingPeriodSet()
    old = bucket_rows(period_set) if period_set.pk else None
    if is_default:
        AgingPeriodSet.objects.filter(is_default=True).exclude(pk=period_set.pk).update(
            is_default=False
        )
    period_set.code = code
    period_set.name = name
    period_set.is_default = is_default
    period_set.full_clean(exclude=["created_at"])
    period_set.save()
    period_set.buckets.all().delete()
    AgingBucket.objects.bulk_create(
        AgingBucket(
            period_set=period_set,
            sequence=i,
            label=b.label.strip(),
            from_days=b.from_days,
            to_days=b.to_days,
        )
        for i, b in enumerate(buckets, 1)
    )
    audit_record(
        actor=actor,
        action="aging_period_set.saved",
        obj=period_set,
        changes={"buckets": (old, [(b.label, b.from_days, b.to_days) for b in buckets])},
    )
    return period_set


@transaction.atomic
def aging_period_set_default_ensure() -> AgingPeriodSet:
    """The default set (Current, 1–30, 31–60, 61–90, Over 90), created when missing. The data
    migration creates it; this puts it back after a database flush (tests that commit)."""
    existing = AgingPeriodSet.objects.filter(is_default=True).first()
    if existing is not None:
        return existing
    period_set = AgingPeriodSet.objects.filter(code=DEFAULT_PERIOD_SET_CODE).first()
    if period_set is None:
        return aging_period_set_save(
            code=DEFAULT_PERIOD_SET_CODE,
            name="Default aging periods",
            buckets=[AgingBucketInput(label, low, high) for label, low, high in DEFAULT_BUCKETS],
            is_default=True,
            actor=None,
        )
    period_set.is_default = True
    period_set.save(update_fields=["is_default"])
    return period_set
