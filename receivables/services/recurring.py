"""Recurring invoices: templates, their assignment to customers, and the generation job.

Period ``n`` of an assignment falls on the start date plus ``n × interval`` days, weeks, months or
years, counted from the start date each time (month-end aware: Jan 31 monthly gives Feb 28 or
29, then Mar 31). Generation makes a draft free-text invoice for every period due up to a date
that has none yet, and records it as an occurrence; the unique (assignment, sequence) constraint
and the row lock on the assignment make each period billed exactly once, however often the job
runs and wherever it died before.
"""

from datetime import date, timedelta

from django.db import transaction

from core.audit import Actor, audit_record
from core.errors import InvalidInput
from core.money import currency_is_known
from entities.models import Customer, LegalEntity
from entities.services import ensure_can_act
from receivables.models import CashDiscount, PaymentTerms

from ..interest import add_months
from ..models import (
    RecurringInvoiceAssignment,
    RecurringInvoiceTemplate,
    RecurringInvoiceTemplateLine,
)
from .documents import DocumentLineInput, _line_amounts

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
