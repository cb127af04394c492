"""Direct debit mandates: created and changed here (IBAN and BIC by schwifty, the reference
in the SEPA set and unique under the entity's creditor identifier), cancelled, expired by the
daily job when a recurrent mandate went unused for 36 months, and told about returns.

Every status change goes through ``TRANSITIONS`` and writes an audit row."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import Actor, audit_record
from core.bank_codes import bic_normalize, iban_normalize
from entities.models import Customer, LegalEntity
from entities.services import ensure_can_act

from ...exceptions import MandateInvalid, MandateTransitionInvalid
from ...models import DirectDebitMandate, SequenceType
from .rules import sepa_reference_problem, sepa_text

Status = DirectDebitMandate.Status

TRANSITIONS: dict[str, set[str]] = {
    Status.ACTIVE: {Status.CANCELLED, Status.EXPIRED, Status.COMPLETED},
    Status.CANCELLED: set(),
    Status.EXPIRED: set(),
    Status.COMPLETED: set(),
}

# A recurrent mandate not used for this long lapses (EPC rulebook: 36 months).
EXPIRY_MONTHS = 36

# Return reasons that say the mandate itself is in question: no (valid) mandate, cancelled or
# refused by the debtor, unauthorized transaction.
MANDATE_REASONS = frozenset({"MD01", "MD02", "MD06", "MD07", "SL01", "AC13"})

_EDITABLE = ("iban", "bic", "debtor_name", "signature_date", "scheme", "recurrent", "reference")


def mandate_transition(mandate: DirectDebitMandate, to: str) -> None:
    """Change the mandate's status along the map, or refuse naming its status."""
    if to not in TRANSITIONS[mandate.status]:
        current = mandate.get_status_display().lower()
        raise MandateTransitionInvalid(
            f"Mandate {mandate.reference} is {current}: it cannot become "
            f"{Status(to).label.lower()}.",
            field="status",
        )
    mandate.status = to


def _first_sequence_type(recurrent: bool) -> str:
    return SequenceType.FRST if recurrent else SequenceType.OOFF


def _clean(data: dict[str, Any], entity: LegalEntity, instance=None) -> dict[str, Any]:
    """Normalized IBAN and BIC, the reference checked and free, the signature date not in the
    future; each refusal names its field."""
    try:
        if "iban" in data:
            data["iban"] = iban_normalize(data["iban"])
    except DjangoValidationError as error:
        raise MandateInvalid(error.messages[0], field="iban") from error
    try:
        if data.get("bic"):
            data["bic"] = bic_normalize(data["bic"])
    except DjangoValidationError as error:
        raise MandateInvalid(error.messages[0], field="bic") from error
    if "reference" in data:
        reference = data["reference"] = data["reference"] or ""
        problem = sepa_reference_problem(reference)
        if problem:
            raise MandateInvalid(problem, field="reference")
        others = DirectDebitMandate.objects.filter(legal_entity=entity, reference__iexact=reference)
        if instance is not None:
            others = others.exclude(pk=instance.pk)
        if others.exists():
            raise MandateInvalid(
                f"{entity.code} already has mandate {reference}.", field="reference"
            )
    if "debtor_name" in data:
        data["debtor_name"] = sepa_text(data["debtor_name"] or "", 70)
    signed = data.get("signature_date")
    if "signature_date" in data and not isinstance(signed, date):
        raise MandateInvalid("Give the date the mandate was signed.", field="signature_date")
    if signed is not None and signed > timezone.localdate():
        raise MandateInvalid(
            f"The signature date {signed} is in the future.", field="signature_date"
        )
    if "scheme" in data and data["scheme"] not in DirectDebitMandate.Scheme.values:
        raise MandateInvalid(f"Unknown scheme {data['scheme']!r}: use CORE or B2B.", field="scheme")
    return data


@transaction.atomic
def mandate_create(
    *, legal_entity: LegalEntity, customer: Customer, actor: Actor, **fields: Any
) -> DirectDebitMandate:
    """An active mandate of ``customer`` (a customer of ``legal_entity``); its first
    collection goes as FRST (recurrent) or OOFF (one-off)."""
    ensure_can_act(actor, legal_entity)
    if customer.legal_entity_id != legal_entity.pk:
        raise MandateInvalid(
            f"Customer {customer.account} is not a customer of {legal_entity.code}.",
            field="customer",
        )
    for required in ("reference", "iban", "signature_date"):
        if not fields.get(required):
            raise MandateInvalid("This field is required.", field=required)
    unknown = set(fields) - set(_EDITABLE)
    if unknown:
        raise MandateInvalid(f"Unknown field {min(unknown)}.", field=min(unknown))
    data = _clean(dict(fields), legal_entity)
    if DirectDebitMandate.objects.filter(customer=customer, status=Status.ACTIVE).exists():
        raise MandateInvalid(
            f"Customer {customer.account} already has an active mandate: cancel it first.",
            field="customer",
        )
    recurrent = data.pop("recurrent", True)
    mandate = DirectDebitMandate.objects.create(
        legal_entity=legal_entity,
        customer=customer,
        recurrent=recurrent,
        next_sequence_type=_first_sequence_type(recurrent),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **data,
    )
    audit_record(
        actor=actor,
        action="direct_debit_mandate.created",
        obj=mandate,
        changes={"status": (None, mandate.status), "reference": (None, mandate.reference)},
        legal_entity=legal_entity,
    )
    return mandate


@transaction.atomic
def mandate_update(
    *, mandate: DirectDebitMandate, data: Mapping[str, Any], actor: Actor
) -> DirectDebitMandate:
    """Change an active mandate. Reference, scheme and kind are fixed once it has collected
    (the bank knows it by them); a new debtor account on a recurrent mandate makes the next
    collection a first one again."""
    mandate = DirectDebitMandate.objects.select_for_update().get(pk=mandate.pk)
    ensure_can_act(actor, mandate.legal_entity)
    unknown = set(data) - set(_EDITABLE)
    if unknown:
        raise MandateInvalid(f"{min(unknown)} cannot be changed.", field=min(unknown))
    if mandate.status != Status.ACTIVE:
        raise MandateInvalid(
            f"Mandate {mandate.reference} is {mandate.get_status_display().lower()}: only an "
            "active mandate can change.",
            field="status",
        )
    data = _clean(dict(data), mandate.legal_entity, instance=mandate)
    changes = {k: (getattr(mandate, k), v) for k, v in data.items() if getattr(mandate, k) != v}
    used = mandate.last_collection_date is not None
    fixed = sorted(set(changes) & {"reference", "scheme", "recurrent"})
    if used and fixed:
        raise MandateInvalid(
            f"The {fixed[0]} of a mandate that has collected cannot change: cancel it and "
            "create a new one.",
            field=fixed[0],
        )
    for key, (_, value) in changes.items():
        setattr(mandate, key, value)
    if "recurrent" in changes:
        mandate.next_sequence_type = _first_sequence_type(mandate.recurrent)
    elif "iban" in changes and mandate.recurrent:
        mandate.next_sequence_type = SequenceType.FRST
    mandate.save()
    if changes:
        audit_record(
            actor=actor,
            action="direct_debit_mandate.changed",
            obj=mandate,
            changes={k: (str(old), str(new)) for k, (old, new) in changes.items()},
            legal_entity=mandate.legal_entity,
        )
    return mandate


def _status_set(mandate: DirectDebitMandate, to: str, actor: Actor, action: str, on: date):
    old = mandate.status
    mandate_transition(mandate, to)
    if to == Status.CANCELLED:
        mandate.cancelled_on = on
    mandate.save(update_fields=["status", "cancelled_on"])
    audit_record(
        actor=actor,
        action=action,
        obj=mandate,
        changes={"status": (old, to)},
        legal_entity=mandate.legal_entity,
    )


@transaction.atomic
def mandate_cancel(*, mandate: DirectDebitMandate, actor: Actor) -> DirectDebitMandate:
    """Cancel an active mandate: nothing more is collected under it."""
    mandate = DirectDebitMandate.objects.select_for_update().get(pk=mandate.pk)
    ensure_can_act(actor, mandate.legal_entity)
    _status_set(
        mandate, Status.CANCELLED, actor, "direct_debit_mandate.cancelled", timezone.localdate()
    )
    return mandate


@transaction.atomic
def mandate_delete(*, mandate: DirectDebitMandate, actor: Actor) -> None:
    """Delete a mandate entered by mistake: only one that never collected."""
    mandate = DirectDebitMandate.objects.select_for_update().get(pk=mandate.pk)
    ensure_can_act(actor, mandate.legal_entity)
    if mandate.collected.exists():
        raise MandateInvalid(
            f"Mandate {mandate.reference} has collected payments: cancel it instead.",
            field="status",
        )
    audit_record(
        actor=actor,
        action="direct_debit_mandate.deleted",
        obj=mandate,
        changes={"reference": (mandate.reference, None)},
        legal_entity=mandate.legal_entity,
    )
    mandate.delete()


def expiry_cutoff(on: date) -> date:
    """A recurrent mandate last used (or signed, if never used) before this date has expired
    on ``on``: 36 months back, the month's last day when the day does not exist."""
    months = on.year * 12 + on.month - 1 - EXPIRY_MONTHS
    year, month = divmod(months, 12)
    for day in (on.day, 30, 29, 28):
        try:
            return date(year, month + 1, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@transaction.atomic
def mandates_expire(*, on: date, legal_entities: list[LegalEntity] | None = None) -> int:
    """Expire the active recurrent mandates unused for 36 months on ``on``; how many."""
    cutoff = expiry_cutoff(on)
    stale = DirectDebitMandate.objects.select_for_update().filter(
        Q(last_collection_date__lt=cutoff)
        | Q(last_collection_date__isnull=True, signature_date__lt=cutoff),
        status=Status.ACTIVE,
        recurrent=True,
    )
    if legal_entities is not None:
        stale = stale.filter(legal_entity__in=legal_entities)
    count = 0
    for mandate in stale.order_by("pk"):
        _status_set(mandate, Status.EXPIRED, None, "direct_debit_mandate.expired", on)
        count += 1
    return count


def mandate_return_record(*, mandate_id: int, reason: str, actor: Actor) -> DirectDebitMandate:
    """A collection under the mandate came back with ``reason``: counted, the reason kept, a
    mandate reason (MD01, MD06…) marks it for attention; the Nth return (the setting
    ``DIRECT_DEBIT_RETURNS_CANCEL_MANDATE``, 0 for never) cancels it. Inside the return's
    posting transaction."""
    mandate = DirectDebitMandate.objects.select_for_update().get(pk=mandate_id)
    old = (mandate.return_count, mandate.last_return_reason, mandate.needs_attention)
    mandate.return_count += 1
    mandate.last_return_reason = (reason or "")[:4]
    mandate.needs_attention = mandate.needs_attention or reason in MANDATE_REASONS
    mandate.save(update_fields=["return_count", "last_return_reason", "needs_attention"])
    audit_record(
        actor=actor,
        action="direct_debit_mandate.returned",
        obj=mandate,
        changes={
            "return_count": (old[0], mandate.return_count),
            "last_return_reason": (old[1], mandate.last_return_reason),
            "needs_attention": (old[2], mandate.needs_attention),
        },
        legal_entity=mandate.legal_entity,
    )
    limit = settings.DIRECT_DEBIT_RETURNS_CANCEL_MANDATE
    if limit and mandate.return_count >= limit and mandate.status == Status.ACTIVE:
        _status_set(
            mandate,
            Status.CANCELLED,
            actor,
            "direct_debit_mandate.cancelled",
            timezone.localdate(),
        )
    return mandate


EXPIRY_JOB = "direct_debit_mandates_expire"


def mandates_expire_job_run(job, progress) -> dict:
    """The daily ``direct_debit_mandates_expire`` job (Celery beat) for its entities, as of
    its date; running it twice expires nothing more."""
    from core.jobs import job_chunk

    progress.set_total(1)
    with job_chunk(progress):
        count = mandates_expire(on=job.as_of, legal_entities=list(job.legal_entities.all()))
        progress.advance()
    return {"expired": count}
