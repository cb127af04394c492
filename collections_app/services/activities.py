"""Writes of the customer's timeline: calls, emails, meetings, notes and promises to pay logged
by the collections manager, and their follow-ups marked done."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import Actor, audit_record
from core.errors import Conflict, InvalidInput
from core.money import has_valid_precision
from entities.models import Customer
from entities.services import ensure_can_act
from receivables.models import OpenTransaction

from ..models import Activity
from .common import timeline_activity_add

MANUAL_KINDS = {
    Activity.Kind.CALL,
    Activity.Kind.EMAIL,
    Activity.Kind.MEETING,
    Activity.Kind.NOTE,
    Activity.Kind.PROMISE,
}


@dataclass(frozen=True)
class ActivityInput:
    kind: str
    subject: str
    notes: str = ""
    follow_up_on: date | None = None
    promised_on: date | None = None
    promised_amount: Decimal | None = None
    open_transaction: OpenTransaction | None = None


@transaction.atomic
def activity_log(
    *, customer: Customer, data: ActivityInput, actor: Actor, today: date | None = None
) -> Activity:
    """A call, email, meeting, note or promise to pay on a customer (optionally on one of its
    transactions), with an optional follow-up date."""
    ensure_can_act(actor, customer.legal_entity, field="customer")
    today = today or timezone.localdate()
    if data.kind not in MANUAL_KINDS:
        raise InvalidInput(
            f"Unknown activity {data.kind!r}: use {', '.join(sorted(MANUAL_KINDS))}.",
            field="kind",
        )
    if not (data.subject or "").strip():
        raise InvalidInput("Say what the activity was about.", field="subject")
    if data.follow_up_on is not None and data.follow_up_on < today:
        raise InvalidInput("The follow-up date is in the past.", field="follow_up_on")
    ot = data.open_transaction
    if ot is not None and ot.customer_id != customer.pk:
        raise InvalidInput(
            f"Transaction {ot.document_number} is not the customer's.", field="open_transaction"
        )
    promise: dict[str, Any] = {}
    if data.kind == Activity.Kind.PROMISE:
        if data.promised_on is None:
            raise InvalidInput("A promise to pay needs the date promised.", field="promised_on")
        if data.promised_on < today:
            raise InvalidInput("The promised date is in the past.", field="promised_on")
        currency = ot.currency if ot is not None else customer.currency
        amount = data.promised_amount
        if amount is None or amount <= 0:
            raise InvalidInput(
                "A promise to pay needs an amount above zero.", field="promised_amount"
            )
        if not has_valid_precision(amount, currency):
            raise InvalidInput(
                f"{amount} has more decimals than {currency} allows.", field="promised_amount"
            )
        promise = {"promised_on": data.promised_on, "promised_amount": amount, "currency": currency}
    elif data.promised_on is not None or data.promised_amount is not None:
        raise InvalidInput("Only a promise to pay has a promised date and amount.", field="kind")
    activity = timeline_activity_add(
        customer,
        data.kind,
        data.subject.strip(),
        actor,
        notes=data.notes or "",
        follow_up_on=data.follow_up_on,
        open_transaction=ot,
        **promise,
    )
    audit_record(
        actor=actor,
        action="activity.logged",
        obj=activity,
        changes={"kind": (None, data.kind)},
        legal_entity=customer.legal_entity,
    )
    return activity


@transaction.atomic
def activity_done(*, activity: Activity, actor: Actor) -> Activity:
    activity = (
        Activity.objects.select_for_update().select_related("legal_entity").get(pk=activity.pk)
    )
    ensure_can_act(actor, activity.legal_entity, field="activity")
    if activity.done:
        raise Conflict("The activity is already done.", field="done")
    activity.done = True
    activity.save(update_fields=["done"])
    audit_record(
        actor=actor,
        action="activity.done",
        obj=activity,
        changes={"done": (False, True)},
        legal_entity=activity.legal_entity,
    )
    return activity
