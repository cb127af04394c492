"""The collections room: aging period sets and the aging snapshots the collections page reads.

An aging snapshot is computed by a job (``services.aging_snapshot_job_run``) and stored, so the
collections page sorts and filters 100,000 customers in SQL instead of aging open items on every
request.
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q, Value

from core.fields import amount_field, code_validator, currency_field
from core.models import Job
from entities.models import Customer, LegalEntity, Party

_HAIR = Value(Decimal("0.00001"))


class AgingPeriodSet(models.Model):
    """A named set of aging buckets (D365 "aging period definition"). One set is the default."""

    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="aging_period_set_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.code


class AgingBucket(models.Model):
    """Days overdue (as-of date minus due date) from ``from_days`` to ``to_days``, both included.
    An empty bound is open-ended: the first bucket (no ``from_days``) holds everything not yet
    due, the last (no ``to_days``) everything older. ``services.aging_buckets_validate`` keeps a
    set free of gaps and overlaps."""

    period_set = models.ForeignKey(AgingPeriodSet, on_delete=models.CASCADE, related_name="buckets")
    sequence = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=40)
    from_days = models.IntegerField(
        null=True, blank=True, help_text="First day overdue in the bucket; empty: no lower bound."
    )
    to_days = models.IntegerField(
        null=True, blank=True, help_text="Last day overdue in the bucket; empty: no upper bound."
    )

    class Meta:
        ordering = ["period_set", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_set", "sequence"], name="aging_bucket_unique_sequence"
            ),
            models.CheckConstraint(
                condition=Q(from_days__isnull=True)
                | Q(to_days__isnull=True)
                | Q(from_days__lte=F("to_days")),
                name="aging_bucket_from_before_to",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_set_id} {self.label}"

    def contains(self, days_overdue: int) -> bool:
        return (self.from_days is None or days_overdue >= self.from_days) and (
            self.to_days is None or days_overdue <= self.to_days
        )


class AgingSnapshot(models.Model):
    """The aged balances of one legal entity's customers as of a date (``legal_entity`` set), or
    of parties across legal entities (``legal_entity`` empty: the sum of the entity snapshots of
    the same period set and date, listed in ``legal_entities``).

    A snapshot is built in chunks while ``is_complete`` is false and readers ignore it; the
    transaction that completes it deletes the one it replaces, so at most one complete snapshot
    exists per legal entity (or party level), period set and date.
    """

    legal_entity = models.ForeignKey(
        LegalEntity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legal_entities = models.ManyToManyField(
        LegalEntity, blank=True, related_name="+", help_text="Party level: the entities summed."
    )
    period_set = models.ForeignKey(
        AgingPeriodSet, on_delete=models.PROTECT, related_name="snapshots"
    )
    as_of = models.DateField()
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The buckets as they were when computed: [{"label", "from_days", "to_days"}, ...].
    buckets = models.JSONField(default=list)
    is_complete = models.BooleanField(default=False)
    line_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-as_of", "legal_entity_id", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "period_set", "as_of"],
                condition=Q(is_complete=True, legal_entity__isnull=False),
                name="aging_snapshot_unique_per_entity",
            ),
            models.UniqueConstraint(
                fields=["period_set", "as_of"],
                condition=Q(is_complete=True, legal_entity__isnull=True),
                name="aging_snapshot_unique_party_level",
            ),
        ]
        indexes = [
            models.Index(
                fields=["legal_entity", "period_set", "as_of"],
                condition=Q(is_complete=True),
                name="aging_snapshot_complete_idx",
            )
        ]

    def __str__(self) -> str:
        where = self.legal_entity.code if self.legal_entity_id else "parties"
        return f"Aging {where} {self.as_of}"

    @property
    def bucket_labels(self) -> list[str]:
        return [b["label"] for b in self.buckets]


class AgingSnapshotLine(models.Model):
    """One customer's aged balance in a snapshot (or one party's, with ``customer`` empty), in
    the accounting currency. ``buckets`` holds one decimal string per bucket of the snapshot;
    ``balance``, ``not_due`` and ``overdue`` are columns so pages sort and filter in SQL."""

    snapshot = models.ForeignKey(AgingSnapshot, on_delete=models.CASCADE, related_name="lines")
    legal_entity = models.ForeignKey(
        LegalEntity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    currency = currency_field()
    balance = amount_field()
    not_due = amount_field(help_text="Not yet due on the as-of date (0 days overdue or fewer).")
    overdue = amount_field()
    buckets = models.JSONField(default=list)

    class Meta:
        ordering = ["snapshot", "party_id", "customer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "customer"],
                condition=Q(customer__isnull=False),
                name="aging_line_unique_customer",
            ),
            models.UniqueConstraint(
                fields=["snapshot", "party", "currency"],
                condition=Q(customer__isnull=True),
                name="aging_line_unique_party_currency",
            ),
            # Within a hair rather than equal: SQLite (make run) adds decimals as floats.
            models.CheckConstraint(
                condition=Q(balance__gte=F("not_due") + F("overdue") - _HAIR)
                & Q(balance__lte=F("not_due") + F("overdue") + _HAIR),
                name="aging_line_balance_is_not_due_plus_overdue",
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=True, legal_entity__isnull=True)
                | Q(customer__isnull=False, legal_entity__isnull=False),
                name="aging_line_customer_with_entity",
            ),
        ]
        indexes = [
            models.Index(fields=["snapshot", "party"], name="aging_line_party_idx"),
            models.Index(fields=["snapshot", "overdue"], name="aging_line_overdue_idx"),
            models.Index(fields=["customer"], name="aging_line_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id} {self.customer_id or self.party_id} {self.balance}"


from .statements import CustomerStatement  # noqa: E402
from .work import (  # noqa: E402
    Activity,
    CollectionLetter,
    CollectionsProfile,
    CustomerPool,
    Dispute,
    LetterStep,
    WriteOff,
)

__all__ = [
    "Activity",
    "AgingBucket",
    "AgingPeriodSet",
    "AgingSnapshot",
    "AgingSnapshotLine",
    "CollectionLetter",
    "CollectionsProfile",
    "CustomerPool",
    "CustomerStatement",
    "Dispute",
    "LetterStep",
    "WriteOff",
]
