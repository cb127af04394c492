"""Composite writes of the receivables room: what an entry page or an API call does in one
database transaction, built from the document and payment services (save a draft and post it,
post a payment journal)."""

from django.db import transaction
from django.utils import timezone

from core.audit import Actor
from entities.models import LegalEntity

from ..models import CreditNote, DocumentStatus, Invoice, Payment, PaymentJournal, SalesDocument
from .document_posting import credit_note_post, invoice_post
from .documents import DocumentInput, credit_note_create, document_update, invoice_create
from .payments import PaymentInput, payments_post


@transaction.atomic
def document_save(
    *,
    data: DocumentInput,
    actor: Actor,
    document: SalesDocument | None = None,
    credit_note: bool = False,
    post: bool = False,
) -> SalesDocument:
    """Create a draft (``document`` None; an invoice, or a credit note with ``credit_note``) or
    replace a draft's header and lines, then post it when ``post``: a document that fails to
    post is not left behind as a draft."""
    if document is None:
        create = credit_note_create if credit_note else invoice_create
        document = create(data=data, actor=actor)
    else:
        document = document_update(document=document, data=data, actor=actor)
    if not post:
        return document
    if isinstance(document, CreditNote):
        return credit_note_post(credit_note=document, actor=actor)
    assert isinstance(document, Invoice)
    return invoice_post(invoice=document, actor=actor)


@transaction.atomic
def payment_journal_post(
    *,
    legal_entity: LegalEntity,
    inputs: list[PaymentInput],
    actor: Actor,
    description: str = "",
) -> tuple[PaymentJournal, list[Payment]]:
    """A payment journal and all its payments, posted together or not at all. Bad lines are
    reported by index under ``payments`` (the journal's line numbers), even a single one."""
    journal = PaymentJournal.objects.create(
        legal_entity=legal_entity,
        created_by=actor,
        description=description[:200],
        status=DocumentStatus.POSTED,
        posted_at=timezone.now(),
    )
    payments = payments_post(inputs=inputs, actor=actor, journal=journal, errors_by_index=True)
    return journal, payments
