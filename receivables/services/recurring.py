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

from entities.exceptions import ApplicationError, InvalidInput
from entities.models import CashDiscount, Customer, Job, LegalEntity, PaymentTerms, SalesTaxCode
from entities.money import ZERO, currency_is_known
from entities.services import Actor, audit_record, audit_record_many, ensure_can_act
from ledger.models import MainAccount

from ..interest import add_months
from ..models import (
    Invoice,
    InvoiceLine,
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


@dataclass(frozen=True)
class TemplateLineInput:
    description: str
    amount: Decimal | None = None
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None
    sales_tax_code: SalesTaxCode | None = None
    account: MainAccount | None = None


def _check_lines(lines: list[TemplateLineInput], currency: str, entity: LegalEntity) -> None:
    if not lines:
        raise InvalidInput("A template needs at least one line.", field="lines")
    for index, line in enumerate(lines):
        _line_amounts(_document_line(line), currency, index)
        if line.account is not None and line.account.legal_entity_id != entity.pk:
            raise InvalidInput(
                f"lines[{index}]: account {line.account.number} is not in {entity.code}.",
                field="lines",
            )


def _document_line(line) -> DocumentLineInput:
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
    template_lines: dict[int, list[RecurringInvoiceTemplateLine]] = {}
    for chunk in _chunks(ids, chunk_size):
        made, posted, skipped, errors = _generate_chunk(chunk, up_to, actor, job, template_lines)
        totals["invoices"] += made
        totals["posted"] += posted
        totals["skipped"] += skipped
        if progress is not None:
            for message in errors:
                progress.error(message)
            progress.advance(len(chunk))
    return totals


@transaction.atomic
def _generate_chunk(chunk, up_to, actor, job, template_lines):
    assignments = list(
        RecurringInvoiceAssignment.objects.select_for_update(of=("self",))
        .filter(pk__in=chunk, active=True)
        .select_related("template__legal_entity", "customer__payment_terms", "customer__party")
        .order_by("pk")
    )
    missing = {a.template_id for a in assignments} - set(template_lines)
    for line in RecurringInvoiceTemplateLine.objects.filter(template_id__in=missing).select_related(
        "sales_tax_code", "account"
    ):
        template_lines.setdefault(line.template_id, []).append(line)
    done: dict[int, set[int]] = defaultdict(set)
    for assignment_id, sequence in RecurringInvoiceOccurrence.objects.filter(
        assignment_id__in=[a.pk for a in assignments]
    ).values_list("assignment_id", "sequence"):
        done[assignment_id].add(sequence)

    invoices: list[Invoice] = []
    pending_lines: list[list[InvoiceLine]] = []
    occurrences: list[RecurringInvoiceOccurrence] = []
    errors: list[str] = []
    skipped = 0
    who = actor if actor is not None and actor.is_authenticated else None
    for assignment in assignments:
        template, customer = assignment.template, assignment.customer
        periods = periods_due(assignment, up_to, done[assignment.pk])
        if not periods:
            continue
        where = f"{template.legal_entity.code} template {template.code} → {customer.account}"
        if customer.blocked:
            errors.append(f"{where}: the customer is blocked; nothing generated.")
            skipped += 1
            continue
        currency = template.currency or customer.currency
        try:
            amounts = [
                _line_amounts(_document_line(line), currency, i)
                for i, line in enumerate(template_lines.get(template.pk, []))
            ]
        except ApplicationError as exc:
            errors.append(f"{where}: {exc.message}")
            skipped += 1
            continue
        if not amounts:
            errors.append(f"{where}: the template has no lines.")
            skipped += 1
            continue
        for sequence, on in periods:
            invoice = Invoice(
                legal_entity=template.legal_entity,
                customer=customer,
                date=on,
                currency=currency,
                payment_terms=template.payment_terms or customer.payment_terms,
                cash_discount=template.cash_discount or customer.cash_discount,
                description=f"{template.description} ({on:%Y-%m-%d})"[:200],
                total=sum((a + t for a, t in amounts), ZERO),
                tax_amount=sum((t for _, t in amounts), ZERO),
                created_by=who,
            )
            invoices.append(invoice)
            pending_lines.append(
                [
                    InvoiceLine(
                        description=line.description,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        amount=amount,
                        sales_tax_code=line.sales_tax_code,
                        tax_amount=tax,
                        account=line.account,
                    )
                    for line, (amount, tax) in zip(
                        template_lines[template.pk], amounts, strict=True
                    )
                ]
            )
            occurrences.append(
                RecurringInvoiceOccurrence(
                    assignment=assignment, sequence=sequence, period_date=on, job=job
                )
            )
    if not invoices:
        return 0, 0, skipped, errors
    Invoice.objects.bulk_create(invoices)
    lines = []
    for invoice, invoice_lines in zip(invoices, pending_lines, strict=True):
        for line in invoice_lines:
            line.invoice = invoice
            lines.append(line)
    InvoiceLine.objects.bulk_create(lines)
    for occurrence, invoice in zip(occurrences, invoices, strict=True):
        occurrence.invoice = invoice
    RecurringInvoiceOccurrence.objects.bulk_create(occurrences)
    audit_record_many(
        actor=actor,
        action="invoice.created",
        objects=invoices,
        legal_entity_of=lambda invoice: invoice.legal_entity,
    )
    posted = 0
    for occurrence, invoice in zip(occurrences, invoices, strict=True):
        if not occurrence.assignment.post:
            continue
        try:
            invoice_post(invoice=invoice, actor=actor)  # its own savepoint
        except ApplicationError as exc:
            errors.append(
                f"Invoice for {occurrence.assignment} on {occurrence.period_date}: "
                f"generated, not posted: {exc.message}"
            )
        else:
            posted += 1
    return len(invoices), posted, skipped, errors
