"""Collection runs: started (checked, queued as a job), previewed, and run.

A run posts, in ONE database transaction, one payment per mandate (``payments_post``, the
end-to-end id on the payment) settled against its debits with the cash discount of the
collection date (``settlement_create``), advances its mandates (FRST → RCUR, OOFF →
completed) and stores the pain.008 file. Its debits are locked without waiting, so a second
run at the same time is refused with a conflict and a debit is never collected twice; a debit
another run closed meanwhile is simply no longer open when it is read under lock."""

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError, transaction
from django.utils import timezone

from core.audit import Actor, audit_record
from core.bank_codes import creditor_identifier_normalize
from core.jobs import JobProgress, job_start
from core.models import Job
from core.money import format_amount
from entities.models import LegalEntity
from entities.services import ensure_can_act

from ...exceptions import CollectionConflict, CollectionInvalid
from ...models import BankAccount, DirectDebitCollection, DirectDebitMandate
from .plan import CollectionScope, PlanSummary, anything_to_collect, collection_plan
from .rules import is_business_day, next_business_day

COLLECTION_JOB = "direct_debit_collection"
CURRENCY = "EUR"
LOCK_NOT_AVAILABLE = "55P03"


def creditor_identifier_of(entity: LegalEntity) -> str:
    """The entity's SEPA creditor identifier, checked (country, mod-97 check digits)."""
    if not entity.sepa_creditor_identifier:
        raise CollectionInvalid(
            f"{entity.code} has no SEPA creditor identifier: set it in the legal entity's "
            "parameters before collecting direct debits.",
            field="legal_entity",
        )
    try:
        return creditor_identifier_normalize(entity.sepa_creditor_identifier)
    except DjangoValidationError as error:
        raise CollectionInvalid(error.messages[0], field="legal_entity") from error


def _check_bank_account(entity: LegalEntity, account: BankAccount) -> None:
    if account.legal_entity_id != entity.pk:
        raise CollectionInvalid(
            f"Bank account {account.code} is not a bank account of {entity.code}.",
            field="bank_account",
        )
    if account.currency != CURRENCY:
        raise CollectionInvalid(
            f"Bank account {account.code} is in {account.currency}: SEPA direct debits are "
            f"collected on a {CURRENCY} account.",
            field="bank_account",
        )
    if not account.active:
        raise CollectionInvalid(f"Bank account {account.code} is inactive.", field="bank_account")


def _check_dates(collection_date: date, due_until: date, today: date) -> None:
    earliest = next_business_day(today)
    if collection_date < today:
        raise CollectionInvalid(
            f"The collection date {collection_date} is in the past; the earliest is {earliest}.",
            field="collection_date",
        )
    if collection_date < earliest:
        raise CollectionInvalid(
            f"The collection date {collection_date} is before the next business day, {earliest}.",
            field="collection_date",
        )
    if not is_business_day(collection_date):
        raise CollectionInvalid(
            f"The collection date {collection_date} is not a TARGET2 business day (weekend, "
            f"1 January, Good Friday, Easter Monday, 1 May, 25 or 26 December); the next one "
            f"is {next_business_day(collection_date)}.",
            field="collection_date",
        )
    if due_until is None:
        raise CollectionInvalid("Give the date debits must be due by.", field="due_until")


def _check_mandates(entity: LegalEntity, ids: list[int]) -> tuple[int, ...]:
    mandates = {m.pk: m for m in DirectDebitMandate.objects.filter(pk__in=ids)}
    for pk in ids:
        mandate = mandates.get(pk)
        if mandate is None or mandate.legal_entity_id != entity.pk:
            raise CollectionInvalid(f"{entity.code} has no mandate {pk}.", field="mandates")
        if mandate.status != DirectDebitMandate.Status.ACTIVE:
            raise CollectionInvalid(
                f"Mandate {mandate.reference} is {mandate.get_status_display().lower()}: only "
                "active mandates are collected.",
                field="mandates",
            )
    return tuple(sorted(set(ids)))


def collection_scope(
    *,
    legal_entity: LegalEntity,
    bank_account: BankAccount,
    collection_date: date,
    due_until: date,
    actor: Actor,
    mandates: list[int] | None = None,
) -> CollectionScope:
    """What a run (or its preview) would collect, every input checked, each refusal naming
    its field."""
    ensure_can_act(actor, legal_entity)
    creditor_identifier_of(legal_entity)
    _check_bank_account(legal_entity, bank_account)
    _check_dates(collection_date, due_until, timezone.localdate())
    return CollectionScope(
        legal_entity=legal_entity,
        currency=bank_account.currency,
        collection_date=collection_date,
        due_until=due_until,
        mandate_ids=_check_mandates(legal_entity, mandates) if mandates is not None else None,
    )


def collection_preview(**inputs) -> PlanSummary:
    """What a run with these inputs (as ``collection_scope``) would collect now, without
    writing anything."""
    return collection_plan(collection_scope(**inputs))


@transaction.atomic
def collection_start(*, actor: Actor, enqueue: bool = True, **inputs) -> DirectDebitCollection:
    """Check the inputs, record the run and queue it as a job (one per entity at a time)."""
    scope = collection_scope(actor=actor, **inputs)
    if not anything_to_collect(scope):
        raise CollectionInvalid(
            f"Nothing to collect: {scope.legal_entity.code} has no open {scope.currency} debits "
            f"due by {scope.due_until} of customers with an active mandate.",
            field="due_until",
        )
    collection = DirectDebitCollection.objects.create(
        legal_entity=scope.legal_entity,
        bank_account=inputs["bank_account"],
        collection_date=scope.collection_date,
        due_until=scope.due_until,
        currency=scope.currency,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    parameters = {"collection": collection.pk}
    if scope.mandate_ids is not None:
        parameters["mandates"] = list(scope.mandate_ids)
    collection.job = job_start(
        kind=COLLECTION_JOB,
        legal_entities=[scope.legal_entity],
        as_of=timezone.localdate(),
        actor=actor,
        parameters=parameters,
        enqueue=enqueue,
    )
    collection.save(update_fields=["job"])
    audit_record(
        actor=actor,
        action="direct_debit_collection.queued",
        obj=collection,
        changes={"status": (None, collection.status)},
        legal_entity=scope.legal_entity,
    )
    return collection


def _scope_of(collection: DirectDebitCollection, mandates: list[int] | None) -> CollectionScope:
    return CollectionScope(
        legal_entity=collection.legal_entity,
        currency=collection.currency,
        collection_date=collection.collection_date,
        due_until=collection.due_until,
        mandate_ids=tuple(mandates) if mandates is not None else None,
    )


def collection_run(
    *,
    collection: DirectDebitCollection,
    actor: Actor,
    progress: JobProgress | None = None,
    mandates: list[int] | None = None,
) -> DirectDebitCollection:
    """Run a queued (or failed) collection: prepare (the plan read with progress), then post
    everything in one transaction. A collected run is returned as it is."""
    from .posting import collection_post

    scope = _scope_of(collection, mandates)
    if progress is not None and collection.status != DirectDebitCollection.Status.COLLECTED:
        # Preparing counts the first half (seen as it goes); posting, one transaction, the
        # second half at its commit.
        progress.set_total(2 * _mandate_ids(scope).count())
        collection_plan(scope, progress=progress, keep_items=False)
    try:
        return collection_post(
            collection_id=collection.pk, scope=scope, actor=actor, progress=progress
        )
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise CollectionConflict(
                "Another collection run or settlement is changing these debits or mandates "
                "right now; try again when it is done."
            ) from None
        raise


def _mandate_ids(scope: CollectionScope):
    from .plan import mandates_in_scope

    return mandates_in_scope(scope).values_list("pk", flat=True)


@transaction.atomic
def collection_failed_record(*, collection: DirectDebitCollection, message: str) -> None:
    """A run that could not post: nothing of it was written; the reason is kept."""
    DirectDebitCollection.objects.filter(
        pk=collection.pk, status=DirectDebitCollection.Status.QUEUED
    ).update(status=DirectDebitCollection.Status.FAILED, error=message[:2000])


def collection_job_run(job: Job, progress: JobProgress) -> dict:
    """The ``direct_debit_collection`` job, as the user who started it."""
    from core.errors import ApplicationError

    collection = (
        DirectDebitCollection.objects.select_related("legal_entity", "bank_account")
        .filter(pk=job.parameters.get("collection") or 0)
        .first()
    )
    if collection is None:
        raise CollectionInvalid(
            "A direct debit collection runs from its own page (Direct debits, New collection "
            "run) or POST /api/v1/direct-debit-collections/, which say what to collect.",
            field="parameters",
        )
    try:
        collection = collection_run(
            collection=collection,
            actor=job.started_by,
            progress=progress,
            mandates=job.parameters.get("mandates"),
        )
    except ApplicationError as error:
        collection_failed_record(collection=collection, message=error.message)
        raise
    return {
        "collection": collection.pk,
        "payments": collection.count,
        "total": f"{format_amount(collection.total, collection.currency)} {collection.currency}",
    }
