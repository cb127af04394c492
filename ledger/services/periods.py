"""Fiscal years and their periods: created per legal entity, opened, put on hold and closed."""

from datetime import date, timedelta

from django.db import connection, transaction

from core.audit import Actor, audit_record
from core.errors import ApplicationError, InvalidInput
from entities.models import LegalEntity
from entities.services import ensure_can_act

from ..exceptions import (
    FiscalYearExists,
)
from ..models import (
    FiscalPeriod,
)

PERIOD_TRANSITIONS = {
    FiscalPeriod.Status.OPEN: {FiscalPeriod.Status.ON_HOLD, FiscalPeriod.Status.CLOSED},
    FiscalPeriod.Status.ON_HOLD: {FiscalPeriod.Status.OPEN, FiscalPeriod.Status.CLOSED},
    FiscalPeriod.Status.CLOSED: set(),
}


FISCAL_YEARS = range(1900, 3000)


def ensure_may_manage_periods(actor: Actor) -> None:
    """Opening a year or changing a period's status is a controller's job: superusers and users
    whose role may change fiscal periods (``None`` is the system)."""
    if actor is None or actor.is_superuser or actor.has_perm("ledger.change_fiscalperiod"):
        return
    raise ApplicationError(
        "You may not open fiscal years or change fiscal periods.",
        code="permission_denied",
        http_status=403,
    )


def _fiscal_year_write(legal_entity: LegalEntity, year: int) -> list[FiscalPeriod]:
    """The twelve monthly periods of ``year``, open, each month that no period of the entity
    overlaps yet."""
    assert connection.in_atomic_block, "periods are written in the caller's transaction"
    taken = list(
        FiscalPeriod.objects.filter(
            legal_entity=legal_entity, start__lte=date(year, 12, 31), end__gte=date(year, 1, 1)
        ).values_list("start", "end")
    )
    periods = []
    for month in range(1, 13):
        start = date(year, month, 1)
        end = date(year, 12, 31) if month == 12 else date(year, month + 1, 1) - timedelta(days=1)
        if any(s <= end and start <= e for s, e in taken):
            continue
        periods.append(
            FiscalPeriod(
                legal_entity=legal_entity,
                name=f"{year}-{month:02d}",
                start=start,
                end=end,
                status=FiscalPeriod.Status.OPEN,
            )
        )
    return FiscalPeriod.objects.bulk_create(periods)


@transaction.atomic
def fiscal_year_create(*, legal_entity: LegalEntity, year: int, actor: Actor) -> list[FiscalPeriod]:
    """Open a fiscal year: its twelve monthly periods, open. A year in which the entity has any
    period already is a conflict."""
    ensure_can_act(actor, legal_entity, field="code")
    ensure_may_manage_periods(actor)
    if not isinstance(year, int) or year not in FISCAL_YEARS:
        raise InvalidInput(
            f"The year must lie between {FISCAL_YEARS.start} and {FISCAL_YEARS.stop - 1}.",
            field="year",
        )
    # Serializes openings of the same entity's years (NO KEY: postings that point at the
    # entity go on); the unique start is the backstop.
    list(
        LegalEntity.objects.select_for_update(no_key=True)
        .filter(pk=legal_entity.pk)
        .values_list("pk", flat=True)
    )
    if FiscalPeriod.objects.filter(
        legal_entity=legal_entity, start__lte=date(year, 12, 31), end__gte=date(year, 1, 1)
    ).exists():
        raise FiscalYearExists(legal_entity=legal_entity.code, year=year)
    periods = _fiscal_year_write(legal_entity, year)
    audit_record(
        actor=actor,
        action="fiscal_year.created",
        obj=legal_entity,
        changes={"fiscal_year": (None, year)},
        legal_entity=legal_entity,
    )
    return periods


@transaction.atomic
def fiscal_period_set_status(*, period: FiscalPeriod, status: str, actor: Actor) -> FiscalPeriod:
    """Put a period on hold, reopen it or close it, along ``PERIOD_TRANSITIONS``."""
    ensure_can_act(actor, period.legal_entity)
    ensure_may_manage_periods(actor)
    if status not in FiscalPeriod.Status.values:
        raise InvalidInput(f"Unknown status {status!r}.", field="status")
    period = FiscalPeriod.objects.select_for_update().get(pk=period.pk)
    old = period.status
    if old == status:
        return period
    if status not in PERIOD_TRANSITIONS[old]:
        raise InvalidInput(
            f"A {period.get_status_display().lower()} period cannot become "
            f"{FiscalPeriod.Status(status).label.lower()}.",
            field="status",
        )
    period.status = status
    period.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="fiscal_period.status_changed",
        obj=period,
        changes={"status": (old, status)},
        legal_entity=period.legal_entity,
    )
    return period
