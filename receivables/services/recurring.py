"""Recurring invoices: templates, their assignment to customers, and the generation job.

Period ``n`` of an assignment falls on the start date plus ``n × interval`` days, weeks, months or
years, counted from the start date each time (month-end aware: Jan 31 monthly gives Feb 28 or
29, then Mar 31). Generation makes a draft free-text invoice for every period due up to a date
that has none yet, and records it as an occurrence; the unique (assignment, sequence) constraint
and the row lock on the assignment make each period billed exactly once, however often the job
runs and wherever it died before.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from core import db
from core.audit import Actor, audit_record, audit_record_rows
from core.errors import ApplicationError, InvalidInput
from core.jobs import job_chunk
from core.money import ZERO, currency_is_known
from entities.models import Customer, Job, LegalEntity
from entities.services import ensure_can_act

from ..interest import add_months
from ..models import (
    CashDiscount,
    DocumentStatus,
    Invoice,
    InvoiceLine,
    PaymentTerms,
    RecurringInvoiceAssignment,
    RecurringInvoiceOccurrence,
    RecurringInvoiceTemplate,
    RecurringInvoiceTemplateLine,
)
from .documents import DocumentLineInput, _line_amounts, invoice_post

Frequency = RecurringInvoiceAssignment.Frequency


def period_date(*, start: date, frequency: str, interval: int, sequence: int) -> date:
    """The date of period ``sequence`` (0 is the start date)."""
    step = interval * sequence
    if frequency == Frequency.DAYS:
        return start + timedelta(days=step)
    if frequency == Frequency.WEEKS:
        return start + timedelta(weeks=step)
    if frequency == Frequency.MONTHS:
        return add_months(start, step)
    if frequency == Frequency.YEARS:
        return add_months(start, 12 * step)
    raise InvalidInput(f"Unknown frequency {frequency!r}.", field="frequency")


def periods_due(
    assignment: RecurringInvoiceAssignment, up_to: date, done: set[int]
) -> list[tuple[int, date]]:
    """(sequence, date) of the periods due up to ``up_to`` that have no invoice yet."""
    due = []
    sequence = 0
    while assignment.occurrences is None or sequence < assignment.occurrences:
        on = period_date(
            start=assignment.start_date,
            frequency=assignment.frequency,
            interval=assignment.interval,
            sequence=sequence,
        )
        if on > up_to or (assignment.end_date is not None and on > assignment.end_date):
            break
        if sequence not in done:
            due.append((sequence, on))
        sequence += 1
    return due


# A template's line is entered like a free-text invoice's line.
TemplateLineInput = DocumentLineInput


def _check_lines(lines: list[TemplateLineInput], currency: str, entity: LegalEntity) -> None:
    if not lines:
        raise InvalidInput("A template needs at least one line.", field="lines")
    for index, line in enumerate(lines):
        _line_amounts(line, currency, index)
        if line.account is not None and line.account.legal_entity_id != entity.pk:
            raise InvalidInput(
                f"lines[{index}]: account {line.account.number} is not in {entity.code}.",
                field="lines",
            )


def _document_line(line: RecurringInvoiceTemplateLine) -> DocumentLineInput:
    """A stored template line as the invoice line it generates."""
    return DocumentLineInput(
        description=line.description,
        amount=line.amount,
        quantity=line.quantity,
        unit_price=line.unit_price,
        sales_tax_code=line.sales_tax_code,
        account=line.account,
    )


@transaction.atomic
def recurring_template_save(
    *,
    legal_entity: LegalEntity,
    code: str,
    description: str,
    lines: list[TemplateLineInput],
    actor: Actor,
    currency: str = "",
    payment_terms: PaymentTerms | None = None,
    cash_discount: CashDiscount | None = None,
    instance: RecurringInvoiceTemplate | None = None,
) -> RecurringInvoiceTemplate:
    """Create a template, or replace an existing one's header and lines (invoices already
    generated keep their own lines)."""
    ensure_can_act(actor, legal_entity)
    if instance is not None and instance.legal_entity_id != legal_entity.pk:
        raise InvalidInput("A template cannot move to another legal entity.", field="legal_entity")
    code = (code or "").strip()
    if not code:
        raise InvalidInput("A code is required.", field="code")
    if not (description or "").strip():
        raise InvalidInput("A description is required.", field="description")
    currency = (currency or "").upper()
    if currency and not currency_is_known(currency):
        raise InvalidInput(f"Unknown currency {currency!r}.", field="currency")
    clash = RecurringInvoiceTemplate.objects.filter(legal_entity=legal_entity, code=code)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise InvalidInput(f"Template {code} already exists in {legal_entity.code}.", field="code")
    # Without a currency of its own a template bills in each customer's; check the lines
    # against the strictest precision used for it, the entity's accounting currency.
    _check_lines(lines, currency or legal_entity.accounting_currency, legal_entity)
    template = instance or RecurringInvoiceTemplate(legal_entity=legal_entity)
    before = {"code": template.code, "description": template.description} if instance else None
    template.code = code
    template.description = description.strip()[:200]
    template.currency = currency
    template.payment_terms = payment_terms
    template.cash_discount = cash_discount
    template.full_clean(validate_unique=False)
    template.save()
    template.lines.all().delete()
    RecurringInvoiceTemplateLine.objects.bulk_create(
        RecurringInvoiceTemplateLine(
            template=template,
            description=line.description[:200],
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            sales_tax_code=line.sales_tax_code,
            account=line.account,
        )
        for line in lines
    )
    audit_record(
        actor=actor,
        action="recurring_template.saved",
        obj=template,
        changes={
            "lines": (None, len(lines)),
            **({"code": (before["code"], code)} if before else {}),
        },
        legal_entity=legal_entity,
    )
    return template


@transaction.atomic
def recurring_assignment_save(
    *,
    template: RecurringInvoiceTemplate,
    customer: Customer,
    start_date: date,
    actor: Actor,
    end_date: date | None = None,
    occurrences: int | None = None,
    frequency: str = Frequency.MONTHS,
    interval: int = 1,
    post: bool = False,
    active: bool = True,
    instance: RecurringInvoiceAssignment | None = None,
) -> RecurringInvoiceAssignment:
    """Assign a template to a customer of its legal entity (or change an assignment)."""
    entity = template.legal_entity
    ensure_can_act(actor, entity)
    if customer.legal_entity_id != entity.pk:
        raise InvalidInput(
            f"Customer {customer.account} is not a customer of {entity.code}.", field="customer"
        )
    if start_date is None:
        raise InvalidInput("A start date is required.", field="start_date")
    if end_date is not None and end_date < start_date:
        raise InvalidInput("The end date cannot be before the start date.", field="end_date")
    if occurrences is not None and occurrences < 1:
        raise InvalidInput("The number of occurrences must be at least 1.", field="occurrences")
    if interval is None or interval < 1:
        raise InvalidInput("The interval must be at least 1.", field="interval")
    if frequency not in Frequency.values:
        raise InvalidInput(
            f"Unknown frequency {frequency!r}: use {', '.join(Frequency.values)}.",
            field="frequency",
        )
    if not template.lines.exists():
        raise InvalidInput("The template has no lines.", field="template")
    assignment = instance or RecurringInvoiceAssignment(
        template=template, created_by=actor if actor and actor.is_authenticated else None
    )
    if instance is not None:
        moved = instance.template_id != template.pk or instance.customer_id != customer.pk
        if moved and instance.generated.exists():
            raise InvalidInput(
                "The assignment has generated invoices: its template and customer stay.",
                field="template",
            )
        if instance.generated.exists() and (
            instance.start_date != start_date
            or instance.frequency != frequency
            or instance.interval != interval
        ):
            raise InvalidInput(
                "The assignment has generated invoices: its start date and frequency stay "
                "(end it and assign the template again).",
                field="start_date",
            )
    before = {"active": assignment.active, "end_date": assignment.end_date} if instance else {}
    assignment.template = template
    assignment.customer = customer
    assignment.start_date = start_date
    assignment.end_date = end_date
    assignment.occurrences = occurrences
    assignment.frequency = frequency
    assignment.interval = interval
    assignment.post = post
    assignment.active = active
    assignment.save()
    audit_record(
        actor=actor,
        action="recurring_assignment.saved" if instance else "recurring_assignment.created",
        obj=assignment,
        changes={k: (v, getattr(assignment, k)) for k, v in before.items()},
        legal_entity=entity,
    )
    return assignment


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

    amounts_cache: dict[tuple[int, str], list[tuple[Decimal, Decimal]]] = {}
    invoices, lines, occurrences = [], [], []
    errors: list[str] = []
    skipped = 0
    who = actor.pk if actor is not None and actor.is_authenticated else None
    _, now = db.now()
    for row in rows:
        if progress is not None:
            progress.beat()
        pk, template_id, customer_id, account, blocked, customer_currency = row[:6]
        customer_terms, customer_discount, start, end, count, frequency, interval, post = row[6:]
        template = templates[template_id]
        schedule = RecurringInvoiceAssignment(
            start_date=start,
            end_date=end,
            occurrences=count,
            frequency=frequency,
            interval=interval,
        )
        periods = periods_due(schedule, up_to, done[pk])
        if not periods:
            continue
        where = f"{template.legal_entity_code} template {template.code} → {account}"
        if blocked:
            errors.append(f"{where}: the customer is blocked; nothing generated.")
            skipped += 1
            continue
        currency = template.currency or customer_currency
        key = (template_id, currency)
        if key not in amounts_cache:
            try:
                amounts_cache[key] = [
                    _line_amounts(_document_line(line), currency, i)
                    for i, line in enumerate(template.lines)
                ]
            except ApplicationError as exc:
                amounts_cache[key] = exc.message
        amounts = amounts_cache[key]
        if isinstance(amounts, str) or not amounts:
            errors.append(f"{where}: {amounts or 'the template has no lines.'}")
            skipped += 1
            continue
        total = sum((a + t for a, t in amounts), ZERO)
        tax = sum((t for _, t in amounts), ZERO)
        for sequence, on in periods:
            invoices.append(
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
                    who,
                    now,
                )
            )
            occurrences.append(
                (pk, sequence, on, job.pk if job else None, now, template_id, currency, post)
            )
    if not invoices:
        return 0, skipped, errors
    ids = db.insert_rows(
        Invoice,
        [
            "legal_entity_id",
            "customer_id",
            "date",
            "currency",
            "payment_terms_id",
            "cash_discount_id",
            "description",
            "total",
            "tax_amount",
            "number",
            "status",
            "created_by_id",
            "created_at",
        ],
        invoices,
        returning="id",
    )
    for invoice_id, occurrence in zip(ids, occurrences, strict=True):
        _, _, _, _, _, template_id, currency, _post = occurrence
        for line, (amount, tax) in zip(
            templates[template_id].lines, amounts_cache[(template_id, currency)], strict=True
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
    db.insert_rows(
        InvoiceLine,
        [
            "invoice_id",
            "description",
            "quantity",
            "unit_price",
            "amount",
            "sales_tax_code_id",
            "tax_amount",
            "account_id",
        ],
        lines,
    )
    db.insert_rows(
        RecurringInvoiceOccurrence,
        ["assignment_id", "sequence", "period_date", "job_id", "created_at", "invoice_id"],
        [(*o[:5], invoice_id) for invoice_id, o in zip(ids, occurrences, strict=True)],
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
            for invoice_id, o in zip(ids, occurrences, strict=True)
        ],
    )
    return len(ids), skipped, errors
