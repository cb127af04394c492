"""Writes of disputes: an open debit put in dispute (no letter, no interest) and resolved."""

from django.db import transaction
from django.utils import timezone

from core.audit import Actor, audit_record
from core.errors import Conflict, InvalidInput
from entities.services import ensure_can_act
from receivables.models import OpenTransaction
from receivables.services import open_transaction_disputed_set

from ..models import Activity, Dispute
from .common import DEBIT_KINDS, acting_user, open_transaction_locked, timeline_activity_add


@transaction.atomic
def dispute_open(*, open_transaction: OpenTransaction, reason: str, actor: Actor) -> Dispute:
    """Put an open debit in dispute: no letter and no interest for it until resolved."""
    ot = open_transaction_locked(open_transaction)
    ensure_can_act(actor, ot.legal_entity, field="open_transaction")
    if not (reason or "").strip():
        raise InvalidInput("Say what the customer disputes.", field="reason")
    if ot.kind not in DEBIT_KINDS or ot.open_amount <= 0:
        raise InvalidInput(
            f"{ot.document_number} is not an open invoice or interest note.",
            field="open_transaction",
        )
    if ot.disputed:
        raise Conflict(f"{ot.document_number} is already in dispute.", field="open_transaction")
    dispute = Dispute.objects.create(
        open_transaction=ot,
        legal_entity=ot.legal_entity,
        customer=ot.customer,
        reason=reason.strip()[:200],
        opened_by=acting_user(actor),
    )
    open_transaction_disputed_set(open_transaction=ot, disputed=True)
    subject = f"{ot.document_number} disputed: {dispute.reason}"
    timeline_activity_add(ot.customer, Activity.Kind.DISPUTE, subject, actor, open_transaction=ot)
    audit_record(
        actor=actor,
        action="dispute.opened",
        obj=dispute,
        changes={"status": (None, Dispute.Status.OPEN)},
        legal_entity=ot.legal_entity,
    )
    return dispute


@transaction.atomic
def dispute_resolve(*, dispute: Dispute, resolution: str, actor: Actor) -> Dispute:
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    ot = open_transaction_locked(dispute.open_transaction)
    ensure_can_act(actor, ot.legal_entity, field="dispute")
    if dispute.status != Dispute.Status.OPEN:
        raise Conflict("The dispute is already resolved.", field="status")
    if not (resolution or "").strip():
        raise InvalidInput("Say how the dispute was resolved.", field="resolution")
    dispute.status = Dispute.Status.RESOLVED
    dispute.resolution = resolution.strip()[:200]
    dispute.resolved_by = acting_user(actor)
    dispute.resolved_at = timezone.now()
    dispute.save()
    open_transaction_disputed_set(open_transaction=ot, disputed=False)
    subject = f"{ot.document_number} dispute resolved: {dispute.resolution}"
    timeline_activity_add(ot.customer, Activity.Kind.DISPUTE, subject, actor, open_transaction=ot)
    audit_record(
        actor=actor,
        action="dispute.resolved",
        obj=dispute,
        changes={"status": (Dispute.Status.OPEN, Dispute.Status.RESOLVED)},
        legal_entity=ot.legal_entity,
    )
    return dispute
