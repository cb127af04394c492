"""Closing accounts receivable for a fiscal period of a legal entity: when nothing stands in the
way (``receivables.ar_close.ar_close_blockers``), the ledger closes the period, for good, so
that nothing posts into it afterwards (posting refuses a closed period). An administrator may
close with blockers, saying why; the audit row keeps the blockers overridden."""

from django.db import transaction
from django.utils.translation import gettext

from core.audit import Actor, audit_record
from core.errors import ApplicationError, InvalidInput
from entities.models import LegalEntity
from entities.services import ensure_can_act
from ledger.models import FiscalPeriod
from ledger.services import ensure_may_manage_periods, fiscal_period_set_status

from ..ar_close import ArCloseBlocker, ar_close_blockers
from ..exceptions import ArCloseBlocked, PeriodAlreadyClosed


def _may_override(actor: Actor) -> bool:
    """Only an administrator (a superuser; ``None`` is the system) closes over blockers."""
    return actor is None or actor.is_superuser


@transaction.atomic
def ar_close(
    *,
    legal_entity: LegalEntity,
    period: FiscalPeriod,
    actor: Actor,
    override: bool = False,
    note: str = "",
) -> tuple[FiscalPeriod, list[ArCloseBlocker]]:
    """Close accounts receivable for ``period`` of ``legal_entity``: its fiscal period closes
    for good. Refused (``ArCloseBlocked``, naming each blocker) while anything blocks it, unless
    an administrator closes with ``override`` and a ``note`` saying why. Needs the grant on the
    entity and the permission to change fiscal periods. Returns the closed period and the
    blockers overridden.

    The period row is locked first: a posting into the period holds it shared until it
    commits, so the blockers are read against every posting committed before the close, and
    none comes in between."""
    ensure_can_act(actor, legal_entity)
    ensure_may_manage_periods(actor)
    if override and not _may_override(actor):
        raise ApplicationError(
            gettext("Only an administrator may close accounts receivable over its blockers."),
            code="permission_denied",
            http_status=403,
            field="override",
        )
    note = (note or "").strip()
    period = (
        FiscalPeriod.objects.select_for_update()
        .select_related("legal_entity")
        .filter(pk=period.pk, legal_entity=legal_entity)
        .first()
    )
    if period is None:
        raise InvalidInput(
            gettext("The fiscal period is not one of %(entity)s's.")
            % {"entity": legal_entity.code},
            field="period",
        )
    if period.status == FiscalPeriod.Status.CLOSED:
        raise PeriodAlreadyClosed(
            gettext("The fiscal period %(period)s of %(entity)s is already closed.")
            % {"period": period.name, "entity": legal_entity.code},
            field="period",
        )
    blockers = ar_close_blockers(legal_entity=legal_entity, period=period)
    if blockers and not override:
        raise ArCloseBlocked(period, blockers)
    if blockers and not note:
        raise InvalidInput(gettext("Say why the period is closed over its blockers."), field="note")
    old = period.status
    period = fiscal_period_set_status(period=period, status=FiscalPeriod.Status.CLOSED, actor=actor)
    changes: dict = {"status": (old, period.status)}
    if blockers:
        changes["blockers_overridden"] = (None, [b.message for b in blockers])
        changes["note"] = (None, note)
    audit_record(
        actor=actor,
        action="accounts_receivable.closed",
        obj=period,
        changes=changes,
        legal_entity=legal_entity,
    )
    return period, blockers
