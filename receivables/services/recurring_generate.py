"""Recurring invoices, the generation job: chunks of assignments, each locked and written in
one transaction with one statement per table, then the drafts to post, each in its own short
transaction. Which periods are due is ``recurring.periods_due``."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from core import db
from core.audit import Actor, audit_record_rows
from core.errors import ApplicationError
from core.jobs import job_chunk
from core.models import Job
from core.money import ZERO
from entities.models import LegalEntity
from entities.services import ensure_can_act

from ..models import (
    DocumentStatus,
    Invoice,
    InvoiceLine,
    RecurringInvoiceAssignment,
    RecurringInvoiceOccurrence,
    RecurringInvoiceTemplate,
    RecurringInvoiceTemplateLine,
)
from .document_posting import invoice_post
from .documents import _line_amounts
from .recurring import _document_line, periods_due


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def recurring_invoices_generate(
    *,
    legal_entities: list[LegalEntity],
    up_to: date,
    actor: Actor,
    job: Job | None = None,
    progress=None,
    chunk_size: int = 500,
) -> dict[str, Any]:
    """Generate every invoice due up to ``up_to`` in ``legal_entities`` (posting those whose
    assignment says so), in chunks of assignments, each chunk one transaction."""
    for entity in legal_entities:
        ensure_can_act(actor, entity, field="legal_entities")
    ids = list(
        RecurringInvoiceAssignment.objects.filter(
            template__legal_entity__in=legal_entities, active=True, start_date__lte=up_to
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if progress is not None:
        progress.set_total(len(ids))
    totals = {"assignments": len(ids), "invoices": 0, "posted": 0, "skipped": 0}
    templates: dict[int, _Template] = {}
    for chunk in _chunks(ids, chunk_size):
        with job_chunk(progress):
            made, skipped, errors = _generate_chunk(chunk, up_to, actor, job, templates, progress)
        posted, post_errors = _post_generated(chunk, actor, progress)
        errors += post_errors
        totals["invoices"] += made
        totals["posted"] += posted
        totals["skipped"] += skipped
        if progress is not None:
            for message in errors:
                progress.error(message)
            progress.advance(len(chunk))
    return totals


def _post_generated(chunk: list[int], actor: Actor, progress=None) -> tuple[int, list[str]]:
    """Post the drafts these assignments generated and should post, each in its own short
    transaction after the chunk's commit: the number sequences of one entity are held for one
    invoice at a time, and drafts left by a run that died are posted by the next."""
    drafts = (
        Invoice.objects.filter(
            status=DocumentStatus.DRAFT,
            recurring_occurrence__assignment_id__in=chunk,
            recurring_occurrence__assignment__post=True,
        )
        .select_related("legal_entity")
        .order_by("pk")
    )
    posted, errors = 0, []
    for invoice in drafts:
        try:
            with job_chunk(progress):
                invoice_post(invoice=invoice, actor=actor)
        except ApplicationError as exc:
            errors.append(
                f"Invoice {invoice.legal_entity.code} draft {invoice.pk} of {invoice.date}: "
                f"generated, not posted: {exc.message}"
            )
        else:
            posted += 1
        if progress is not None:
            progress.beat()
    return posted, errors


@dataclass(frozen=True)
class _Template:
    """What generation needs of a template, read once per run."""

    legal_entity_id: int
    legal_entity_code: str
    code: str
    description: str
    currency: str
    payment_terms_id: int | None
    cash_discount_id: int | None
    lines: list[RecurringInvoiceTemplateLine]


def _templates(ids: set[int], cache: dict[int, _Template]) -> None:
    missing = ids - set(cache)
    if not missing:
        return
    lines: dict[int, list[RecurringInvoiceTemplateLine]] = defaultdict(list)
    for line in RecurringInvoiceTemplateLine.objects.filter(template_id__in=missing).select_related(
        "sales_tax_code"
    ):
        lines[line.template_id].append(line)
    for t in RecurringInvoiceTemplate.objects.filter(pk__in=missing).select_related("legal_entity"):
        cache[t.pk] = _Template(
            legal_entity_id=t.legal_entity_id,
            legal_entity_code=t.legal_entity.code,
            code=t.code,
            description=t.description,
            currency=t.currency,
            payment_terms_id=t.payment_terms_id,
            cash_discount_id=t.cash_discount_id,
            lines=lines.get(t.pk, []),
        )


_ASSIGNMENT_FIELDS = (
    "pk",
    "template_id",
    "customer_id",
    "customer__account",
    "customer__blocked",
    "customer__currency",
    "customer__payment_terms_id",
    "customer__cash_discount_id",
    "start_date",
    "end_date",
    "occurrences",
    "frequency",
    "interval",
    "post",
)


@dataclass
class _Batch:
    """The rows one chunk writes: invoices, and per invoice its occurrence."""

    who: int | None
    now: Any
    job_id: int | None
    invoices: list[tuple] = field(default_factory=list)
    occurrences: list[tuple] = field(default_factory=list)
    amounts: dict[tuple[int, str], list[tuple[Decimal, Decimal]] | str] = field(
        default_factory=dict
    )


@transaction.atomic
def _generate_chunk(chunk, up_to, actor, job, templates, progress=None):
    """One chunk of assignments, locked, in one transaction: the invoices of every period due
    and not yet generated, with their lines, occurrences and audit rows, written with one
    statement per table."""
    rows = list(
        RecurringInvoiceAssignment.objects.select_for_update(of=("self",))
        .filter(pk__in=chunk, active=True)
        .order_by("pk")
        .values_list(*_ASSIGNMENT_FIELDS)
    )
    _templates({r[1] for r in rows}, templates)
    done: dict[int, set[int]] = defaultdict(set)
    for assignment_id, sequence in RecurringInvoiceOccurrence.objects.filter(
        assignment_id__in=[r[0] for r in rows]
    ).values_list("assignment_id", "sequence"):
        done[assignment_id].add(sequence)
    who = actor.pk if actor is not None and actor.is_authenticated else None
    batch = _Batch(who=who, now=db.now()[1], job_id=job.pk if job else None)
    errors: list[str] = []
    for row in rows:
        if progress is not None:
            progress.beat()
        error = _assignment_generate(row, up_to, templates, done[row[0]], batch)
        if error:
            errors.append(error)
    skipped = len(errors)
    if not batch.invoices:
        return 0, skipped, errors
    ids = _batch_write(batch, templates, actor)
    return len(ids), skipped, errors


def _assignment_generate(row, up_to, templates, done: set[int], batch: _Batch) -> str | None:
    """Add to ``batch`` the invoices of the assignment's periods due and not yet generated;
    returns why nothing was generated when the assignment is skipped."""
    pk, template_id, customer_id, account, blocked, customer_currency = row[:6]
    customer_terms, customer_discount, start, end, count, frequency, interval, post = row[6:]
    template = templates[template_id]
    schedule = RecurringInvoiceAssignment(
        start_date=start, end_date=end, occurrences=count, frequency=frequency, interval=interval
    )
    periods = periods_due(schedule, up_to, done)
    if not periods:
        return None
    where = f"{template.legal_entity_code} template {template.code} → {account}"
    if blocked:
        return f"{where}: the customer is blocked; nothing generated."
    currency = template.currency or customer_currency
    key = (template_id, currency)
    if key not in batch.amounts:
        try:
            batch.amounts[key] = [
                _line_amounts(_document_line(line), currency, i)
                for i, line in enumerate(template.lines)
            ]
        except ApplicationError as exc:
            batch.amounts[key] = exc.message
    amounts = batch.amounts[key]
    if isinstance(amounts, str) or not amounts:
        return f"{where}: {amounts or 'the template has no lines.'}"
    total = sum((a + t for a, t in amounts), ZERO)
    tax = sum((t for _, t in amounts), ZERO)
    for sequence, on in periods:
        batch.invoices.append(
            (
                template.legal_entity_id,
                customer_id,
                on,
                currency,
                template.payment_terms_id or customer_terms,
                template.cash_discount_id or customer_discount,
                f"{template.description} ({on:%Y-%m-%d})"[:200],
                total,
                tax,
                "",
                DocumentStatus.DRAFT,
                batch.who,
                batch.now,
            )
        )
        batch.occurrences.append(
            (pk, sequence, on, batch.job_id, batch.now, template_id, currency, post)
        )
    return None


def _batch_write(batch: _Batch, templates, actor: Actor) -> list[int]:
    """The chunk's invoices, their lines, occurrences and audit rows: one statement each."""
    ids = db.insert_rows(Invoice, _INVOICE_COLUMNS, batch.invoices, returning="id")
    lines = []
    for invoice_id, occurrence in zip(ids, batch.occurrences, strict=True):
        template_id, currency = occurrence[5], occurrence[6]
        for line, (amount, tax) in zip(
            templates[template_id].lines, batch.amounts[(template_id, currency)], strict=True
        ):
            lines.append(
                (
                    invoice_id,
                    line.description,
                    line.quantity,
                    line.unit_price,
                    amount,
                    line.sales_tax_code_id,
                    tax,
                    line.account_id,
                )
            )
    db.insert_rows(InvoiceLine, _LINE_COLUMNS, lines)
    db.insert_rows(
        RecurringInvoiceOccurrence,
        _OCCURRENCE_COLUMNS,
        [(*o[:5], invoice_id) for invoice_id, o in zip(ids, batch.occurrences, strict=True)],
    )
    audit_record_rows(
        actor=actor,
        action="invoice.created",
        model=Invoice,
        rows=[
            (
                invoice_id,
                f"{templates[o[5]].legal_entity_code} draft {invoice_id}",
                templates[o[5]].legal_entity_id,
            )
            for invoice_id, o in zip(ids, batch.occurrences, strict=True)
        ],
    )
    return ids


_INVOICE_COLUMNS = db.columns(
    Invoice,
    "legal_entity",
    "customer",
    "date",
    "currency",
    "payment_terms",
    "cash_discount",
    "description",
    "total",
    "tax_amount",
    "number",
    "status",
    "created_by",
    "created_at",
)
_LINE_COLUMNS = db.columns(
    InvoiceLine,
    "invoice",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "sales_tax_code",
    "tax_amount",
    "account",
)
_OCCURRENCE_COLUMNS = db.columns(
    RecurringInvoiceOccurrence,
    "assignment",
    "sequence",
    "period_date",
    "job",
    "created_at",
    "invoice",
)
