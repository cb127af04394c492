"""The run's one transaction: mandates and debits locked without waiting, a chunk of
mandates at a time; per chunk the payments posted together and settled against their
mandates' debits with one call, the mandates advanced and the chunk's transactions added to
the pain.008; at the end the pain.008 built and stored."""

from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from core import db
from core.audit import Actor, audit_record, audit_record_rows
from core.jobs import JobProgress
from core.money import format_amount
from entities.services import ensure_can_act
from receivables.models import OpenTransaction, Payment
from receivables.services import PaymentInput, payments_post
from settlement.services import SettlementLineInput, SettlementRequest, settlements_create

from ...exceptions import CollectionInvalid
from ...models import DirectDebitCollection, DirectDebitMandate, DirectDebitPayment, SequenceType
from ...sql import collection_file_store
from .collections import _check_bank_account, creditor_identifier_of
from .mandates import mandate_transition
from .pain008 import Pain008Builder, Pain008Transaction
from .plan import CollectionItem, CollectionScope, items_of, mandate_chunks
from .rules import sepa_text

Status = DirectDebitCollection.Status


def end_to_end_id(collection: DirectDebitCollection, mandate: DirectDebitMandate) -> str:
    """The id the bank names the collection by (a return comes back with it): unique, as the
    run and the mandate are."""
    code = sepa_text(collection.legal_entity.code, 10).replace(" ", "")
    return f"{code}-DD{collection.pk}-{mandate.pk}"[:35]


def _remittance(item: CollectionItem) -> str:
    numbers = " ".join(d.open_transaction.document_number for d in item.debits)
    return sepa_text(numbers, 140)


def _payments_post(
    collection: DirectDebitCollection, items: list[CollectionItem], actor: Actor
) -> list[Payment]:
    account = collection.bank_account
    return payments_post(
        inputs=[
            PaymentInput(
                legal_entity=collection.legal_entity,
                customer=item.mandate.customer,
                date=collection.collection_date,
                amount=item.amount,
                currency=collection.currency,
                method=Payment.Method.ELECTRONIC,
                reference=f"SEPA DD {item.mandate.reference}",
                bank_account=account.code,
                bank_ledger_account=account.main_account,
                end_to_end_id=end_to_end_id(collection, item.mandate),
            )
            for item in items
        ],
        actor=actor,
        errors_by_index=True,
    )


def _settlement_request(item: CollectionItem, payment_ot: int) -> SettlementRequest:
    """The payment against its mandate's debits, each with the discount of the collection
    date; the payment is the primary."""
    return SettlementRequest(
        lines=[
            SettlementLineInput(payment_ot),
            *(
                SettlementLineInput(
                    d.open_transaction.pk, amount=d.amount, cash_discount=d.cash_discount
                )
                for d in item.debits
            ),
        ],
        primary=payment_ot,
    )


def _mandates_advance(items: list[CollectionItem], on: date, actor: Actor) -> None:
    """FRST → RCUR, OOFF → completed; the collection date is the mandate's last."""
    mandates = [item.mandate for item in items]
    for mandate in mandates:
        mandate.last_collection_date = on
        if mandate.next_sequence_type == SequenceType.OOFF:
            mandate_transition(mandate, DirectDebitMandate.Status.COMPLETED)
        else:
            mandate.next_sequence_type = SequenceType.RCUR
    db.update_rows(
        DirectDebitMandate, ["last_collection_date", "next_sequence_type", "status"], mandates
    )
    code = items[0].mandate.legal_entity.code if items else ""
    audit_record_rows(
        actor=actor,
        action="direct_debit_mandate.collected",
        model=DirectDebitMandate,
        rows=[(m.pk, f"{code} {m.reference}", m.legal_entity_id) for m in mandates],
    )


def _chunk_post(
    collection: DirectDebitCollection,
    items: list[CollectionItem],
    actor: Actor,
    pain008: Pain008Builder,
) -> None:
    """Post and settle one chunk's items; their transactions added to ``pain008``."""
    on = collection.collection_date
    payments = _payments_post(collection, items, actor)
    payment_ots = dict(
        OpenTransaction.objects.filter(payment__in=payments).values_list("payment_id", "pk")
    )
    # All the chunk's settlements with one call: one locking read, one posting, one
    # statement per table.
    settlements_create(
        requests=[
            _settlement_request(item, payment_ots[payment.pk])
            for item, payment in zip(items, payments, strict=True)
        ],
        on=on,
        actor=actor,
    )
    rows = []
    for item, payment in zip(items, payments, strict=True):
        mandate = item.mandate
        rows.append(
            DirectDebitPayment(
                collection=collection,
                mandate=mandate,
                payment=payment,
                end_to_end_id=payment.end_to_end_id,
                sequence_type=mandate.next_sequence_type,
                amount=item.amount,
                cash_discount=item.cash_discount,
                debits=len(item.debits),
            )
        )
        pain008.add(
            Pain008Transaction(
                end_to_end_id=payment.end_to_end_id,
                amount=item.amount,
                sequence_type=mandate.next_sequence_type,
                scheme=mandate.scheme,
                mandate_reference=mandate.reference,
                signature_date=mandate.signature_date,
                debtor_name=mandate.debtor_name or mandate.customer.display_name,
                iban=mandate.iban,
                bic=mandate.bic,
                remittance=_remittance(item),
            )
        )
    DirectDebitPayment.objects.bulk_create(rows)
    _mandates_advance(items, on, actor)


@transaction.atomic
def collection_post(
    *,
    collection_id: int,
    scope: CollectionScope,
    actor: Actor,
    progress: JobProgress | None = None,
) -> DirectDebitCollection:
    """Post a queued (or failed) run, all of it or nothing."""
    collection = (
        DirectDebitCollection.objects.select_for_update(of=("self",))
        .select_related("legal_entity", "bank_account__main_account")
        .get(pk=collection_id)
    )
    if collection.status == Status.COLLECTED:
        return collection
    entity = collection.legal_entity
    ensure_can_act(actor, entity)
    creditor_id = creditor_identifier_of(entity)
    _check_bank_account(entity, collection.bank_account)
    account = collection.bank_account
    # The pain.008 is fed chunk by chunk; it keeps each chunk's transactions serialized, on
    # disk past a size, and their count and total.
    with Pain008Builder(
        creditor_name=entity.name,
        creditor_id=creditor_id,
        iban=account.iban,
        bic=account.bic,
        currency=collection.currency,
        collection_date=collection.collection_date,
    ) as pain008:
        for chunk in mandate_chunks(scope, lock=True):
            items = items_of(chunk, scope, lock=True)
            if items:
                _chunk_post(collection, items, actor, pain008)
            if progress is not None:
                progress.beat(len(chunk))
        if not pain008.count:
            raise CollectionInvalid(
                f"Nothing to collect: {entity.code} has no open {collection.currency} debits "
                f"due by {collection.due_until} of customers with an active mandate.",
                field="due_until",
            )
        collection.message_id, collection.file = pain008.build()
    old = collection.status
    collection.status = Status.COLLECTED
    collection.count = pain008.count
    collection.total = pain008.total
    collection.error = ""
    collection.collected_at = timezone.now()
    collection.save(
        update_fields=["message_id", "status", "count", "total", "error", "collected_at"]
    )
    collection_file_store(collection)
    audit_record(
        actor=actor,
        action="direct_debit_collection.collected",
        obj=collection,
        changes={
            "status": (old, collection.status),
            "count": (0, collection.count),
            "total": (None, format_amount(collection.total, collection.currency)),
        },
        legal_entity=entity,
    )
    if progress is not None:
        assert connection.in_atomic_block
        progress.fence()
    return collection
