"""Aging snapshots: per legal entity and customer, then per party across legal entities.

Both are computed by the database (grouped conditional sums), a chunk of customers at a time,
so memory stays flat whatever the number of customers.
"""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.aggregates import DecimalSum
from core.audit import Actor, audit_record
from core.jobs import JobProgress, job_chunk
from core.models import Job
from core.money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS
from entities.models import Customer, LegalEntity
from receivables.models import OpenTransaction

from .. import sql as collections_sql
from ..models import AgingPeriodSet, AgingSnapshot
from ..selectors import aging_period_set_get
from .periods import bucket_rows

CHUNK_SIZE = 5000

_AMOUNT = DecimalField(max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES)
_ZERO = Value(Decimal(0), output_field=_AMOUNT)


def _definitions(period_set: AgingPeriodSet) -> list[dict[str, Any]]:
    return [
        {"label": label, "from_days": low, "to_days": high}
        for label, low, high in bucket_rows(period_set)
    ]


def _bucket_condition(bucket: dict[str, Any], as_of: date) -> Q:
    """Days overdue = as_of − due_date; bounds become bounds on the due date, so the sums read
    plain date comparisons."""
    condition = Q()
    if bucket["from_days"] is not None:
        condition &= Q(due_date__lte=as_of - timedelta(days=bucket["from_days"]))
    if bucket["to_days"] is not None:
        condition &= Q(due_date__gte=as_of - timedelta(days=bucket["to_days"]))
    return condition


def _sum(field: str, condition: Q | None = None):
    if condition is None or not condition:
        return Coalesce(DecimalSum(field), _ZERO, output_field=_AMOUNT)
    return Coalesce(DecimalSum(field, filter=condition), _ZERO, output_field=_AMOUNT)


def _customer_chunks(legal_entity: LegalEntity, chunk_size: int):
    """Customer ids of the entity, ``chunk_size`` at a time in id order (keyset)."""
    after = 0
    while True:
        ids = list(
            Customer.objects.filter(legal_entity=legal_entity, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            return
        yield after, ids[-1], len(ids)
        after = ids[-1]


def _customer_sums(snapshot: AgingSnapshot, definitions: list[dict], after: int, upto: int):
    """One grouped query: per customer with ids in (after, upto], the open accounting amounts
    of its open transactions dated on or before the as-of date, in total, not due, overdue and
    per bucket (``b0``, ``b1``…)."""
    as_of = snapshot.as_of
    buckets = {
        f"b{i}": _sum("open_accounting_amount", _bucket_condition(b, as_of))
        for i, b in enumerate(definitions)
    }
    return (
        OpenTransaction.objects.filter(
            legal_entity_id=snapshot.legal_entity_id,
            customer_id__gt=after,
            customer_id__lte=upto,
            date__lte=as_of,
        )
        .exclude(open_amount=0)
        .values("customer_id", "party_id")
        .annotate(
            balance=_sum("open_accounting_amount"),
            not_due=_sum("open_accounting_amount", Q(due_date__gte=as_of)),
            overdue=_sum("open_accounting_amount", Q(due_date__lt=as_of)),
            **buckets,
        )
        .order_by()
    )


def _customer_lines_insert(
    snapshot: AgingSnapshot, definitions: list[dict], after: int, upto: int
) -> int:
    """Write the lines of the customers with ids in (after, upto]; returns how many: one
    INSERT … SELECT around the grouped query, so no amount passes through Python."""
    sums = _customer_sums(snapshot, definitions, after, upto)
    return collections_sql.customer_lines_insert(
        snapshot_id=snapshot.pk,
        legal_entity_id=snapshot.legal_entity_id,
        currency=snapshot.legal_entity.accounting_currency,
        sums=sums.query.sql_with_params(),
        buckets=len(definitions),
    )


def aging_snapshot_create(
    *,
    legal_entity: LegalEntity,
    as_of: date,
    period_set: AgingPeriodSet | None = None,
    job: Job | None = None,
    actor: Actor = None,
    on_chunk: Callable[[int], None] | None = None,
    fence: Callable[[], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> AgingSnapshot:
    """Age the open transactions of ``legal_entity`` as of ``as_of``, per customer.

    Amounts are open accounting amounts (the entity's accounting currency) of the transactions
    dated on or before ``as_of`` that are open now. Every item is aged by its own due date,
    credits too: an unapplied payment or credit note (negative) sits in the bucket of its due
    date, as Dynamics 365 ages them, so a bucket shows what is due then net of credits. An item
    is not due while ``as_of`` ≤ its due date (0 days overdue or fewer).

    Built a chunk of customers per transaction, each one INSERT … SELECT
    (``on_chunk`` is told how many customers each chunk covered); readers see nothing of it
    until the last transaction completes it and deletes the snapshot it replaces (same entity,
    period set and date). One build per entity at a time: the job's claim on the entity
    ensures it. ``fence``, when given, ends each of its transactions: a job's fence, which
    raises (rolling that transaction back) once the job is no longer the caller's.
    """
    period_set = period_set or aging_period_set_get()
    definitions = _definitions(period_set)
    with transaction.atomic():
        # What a build that died midway left behind.
        AgingSnapshot.objects.filter(legal_entity=legal_entity, is_complete=False).delete()
        snapshot = AgingSnapshot.objects.create(
            legal_entity=legal_entity,
            period_set=period_set,
            as_of=as_of,
            job=job,
            buckets=definitions,
        )
        if fence is not None:
            fence()
    lines = 0
    for after, upto, customers in _customer_chunks(legal_entity, chunk_size):
        with transaction.atomic():
            lines += _customer_lines_insert(snapshot, definitions, after, upto)
            if fence is not None:
                fence()
        if on_chunk is not None:
            on_chunk(customers)
    with transaction.atomic():
        replaced = list(
            AgingSnapshot.objects.filter(
                legal_entity=legal_entity, period_set=period_set, as_of=as_of, is_complete=True
            ).values_list("pk", flat=True)
        )
        AgingSnapshot.objects.filter(pk__in=replaced).delete()
        snapshot.is_complete = True
        snapshot.line_count = lines
        snapshot.completed_at = timezone.now()
        snapshot.save(update_fields=["is_complete", "line_count", "completed_at"])
        audit_record(
            actor=actor,
            action="aging_snapshot.created",
            obj=snapshot,
            changes={"replaced": (replaced or None, snapshot.pk), "lines": (None, lines)},
            legal_entity=legal_entity,
        )
        if fence is not None:
            fence()
    return snapshot


@transaction.atomic
def aging_party_snapshot_create(
    *,
    period_set: AgingPeriodSet,
    as_of: date,
    job: Job | None = None,
    actor: Actor = None,
) -> AgingSnapshot:
    """Per party and accounting currency, the sum of its customers' lines in every complete
    entity snapshot of ``period_set`` on ``as_of``; replaces the party level of that date.

    One transaction, holding the period set's row, so party levels of one period set are built
    one at a time; the lines are summed and written by the database in one statement.
    """
    AgingPeriodSet.objects.select_for_update().filter(pk=period_set.pk).first()
    definitions = _definitions(period_set)
    sources = [
        s
        for s in AgingSnapshot.objects.filter(
            period_set=period_set, as_of=as_of, is_complete=True, legal_entity__isnull=False
        )
        if s.buckets == definitions  # a snapshot made before the buckets changed is left out
    ]
    AgingSnapshot.objects.filter(
        period_set=period_set, as_of=as_of, legal_entity__isnull=True
    ).delete()
    snapshot = AgingSnapshot.objects.create(
        legal_entity=None, period_set=period_set, as_of=as_of, job=job, buckets=definitions
    )
    snapshot.legal_entities.set([s.legal_entity_id for s in sources])
    source_ids = [s.pk for s in sources]
    lines = collections_sql.party_lines_insert(
        snapshot_id=snapshot.pk,
        source_ids=source_ids,
        buckets=len(definitions),
        currencies={s.legal_entity.accounting_currency for s in sources},
    )
    snapshot.is_complete = True
    snapshot.line_count = lines
    snapshot.completed_at = timezone.now()
    snapshot.save(update_fields=["is_complete", "line_count", "completed_at"])
    audit_record(
        actor=actor,
        action="aging_snapshot.created",
        obj=snapshot,
        changes={"legal_entities": (None, sorted(s.legal_entity.code for s in sources))},
        legal_entities={s.legal_entity_id for s in sources},
    )
    return snapshot


def aging_snapshot_job_run(job: Job, progress: JobProgress) -> dict[str, Any]:
    """The ``aging_snapshot`` job: a snapshot per legal entity of the job as of its date with
    the default period set (or ``parameters["period_set"]``), then the party level of that
    date. Progress counts customers. Running it again replaces what a first run made."""
    from django.db.models import Count

    period_set = aging_period_set_get(code=job.parameters.get("period_set") or None)
    entities = list(job.legal_entities.order_by("code"))
    counts = dict(
        Customer.objects.filter(legal_entity__in=entities)
        .values_list("legal_entity_id")
        .annotate(n=Count("id"))
    )
    total = sum(counts.values())
    progress.set_total(total)
    done = 0

    def advance(customers: int) -> None:
        # Customers created while the job runs must not push done past total.
        nonlocal done
        step = min(customers, total - done)
        done += step
        progress.advance(step)

    actor = job.started_by
    lines = 0
    for entity in entities:
        snapshot = aging_snapshot_create(
            legal_entity=entity,
            as_of=job.as_of,
            period_set=period_set,
            job=job,
            actor=actor,
            on_chunk=advance,
            fence=progress.fence,
        )
        lines += snapshot.line_count
    with job_chunk(progress):
        party_level = aging_party_snapshot_create(
            period_set=period_set, as_of=job.as_of, job=job, actor=actor
        )
    return {
        "snapshots": len(entities),
        "customers": lines,
        "parties": party_level.line_count,
        "period_set": period_set.code,
        "as_of": job.as_of.isoformat(),
    }
