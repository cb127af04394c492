"""Customer account statements (SPEC section 7, ``customer-statements``).

A statement covers one customer account (one legal entity) or one party across every legal
entity its author may act in. It has one section per transaction currency (the currency the
customer was invoiced and pays in; entities' accounting currencies are never mixed into it):

- opening balance: the customer-balance ledger lines of its accounts dated before ``date_from``;
- lines: the customer-balance ledger lines of the period, one per voucher and account
  (documents; settlements by what they move: cash discounts, payment differences, the
  intercompany part; write-offs; reversals), debit or credit, with the running balance; a
  settlement within one account and exchange differences move no transaction amount and
  make no line;
- closing balance: opening plus the lines;
- aging at ``date_to``, in the aging buckets of the default period set: every open transaction
  dated on or before ``date_to``, with what was open of it on that date (what its settlements,
  write-offs and reversals had taken by then), by days past its own due date. The buckets sum
  to the closing balance.

The figures are stored on the statement as computed, so it prints again as it was sent.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from core.audit import Actor, acting_user, audit_record
from core.errors import InvalidInput
from core.jobs import JobProgress, job_chunk
from core.models import Job
from core.money import ZERO, format_amount
from entities.models import Customer, LegalEntity, Party
from entities.selectors import granted_entity_ids
from entities.services import ensure_can_act
from ledger.models import LedgerEntry, PostingType
from receivables.models import OpenTransaction
from receivables.printing import party_contact_email
from receivables.services.document_email import email_address_one
from settlement.models import Settlement, SettlementLine

from ..models import AgingBucket, CustomerPool, CustomerStatement, WriteOff
from ..selectors import aging_period_set_get

logger = logging.getLogger(__name__)

STATEMENTS_JOB = "customer_statements"
CHUNK_SIZE = 50


@dataclass(frozen=True)
class StatementScope:
    party: Party
    customer: Customer | None
    customers: list[Customer]

    @property
    def legal_entities(self) -> list[LegalEntity]:
        return sorted({c.legal_entity for c in self.customers}, key=lambda e: e.code)


def statement_scope(
    *, actor: Actor, customer: Customer | None = None, party: Party | None = None
) -> StatementScope:
    """The accounts a statement covers: the customer's (refused outside the actor's entities),
    or the party's in every entity the actor may act in."""
    if (customer is None) == (party is None):
        raise InvalidInput("Give either a customer or a party.", field="customer")
    if customer is not None:
        ensure_can_act(actor, customer.legal_entity, field="customer")
        return StatementScope(customer.party, customer, [customer])
    accounts = Customer.objects.filter(party=party).select_related("legal_entity", "party")
    ids = granted_entity_ids(actor)
    if ids is not None:
        accounts = accounts.filter(legal_entity_id__in=ids)
    customers = list(accounts.order_by("legal_entity__code", "account"))
    if not customers:
        raise InvalidInput(
            f"Party {party.number} has no customer account in a legal entity you may act in.",
            field="party",
        )
    return StatementScope(party, None, customers)


def _signed(amount: Decimal) -> tuple[Decimal, Decimal]:
    return (amount, ZERO) if amount > 0 else (ZERO, -amount)


def _documents_of(voucher_ids: set[int]) -> dict[int, str]:
    return dict(
        OpenTransaction.objects.filter(voucher_id__in=voucher_ids).values_list(
            "voucher_id", "document_number"
        )
    )


@dataclass
class _Movement:
    date: date
    voucher_id: int
    voucher_number: str
    description: str
    legal_entity: str
    currency: str
    amount: Decimal


def _movements(entries) -> list[_Movement]:
    """A voucher's customer-balance lines of one account and currency as one movement, their
    sum; none where they cancel out (a settlement within one account moves nothing, only
    its cash discount or payment difference does)."""
    grouped: dict[tuple[int, int, str], _Movement] = {}
    for entry in entries.select_related("voucher", "legal_entity").order_by(
        "date", "voucher_id", "id"
    ):
        key = (entry.voucher_id, entry.customer_id, entry.currency)
        if key not in grouped:
            grouped[key] = _Movement(
                entry.date,
                entry.voucher_id,
                entry.voucher.number,
                entry.voucher.description,
                entry.legal_entity.code,
                entry.currency,
                ZERO,
            )
        grouped[key].amount += entry.amount
    return [m for m in grouped.values() if m.amount != 0]


def _open_on(transactions: list[OpenTransaction], on: date) -> dict[int, Decimal]:
    """What was open of each transaction on ``on``: its amount less the settlements dated by
    then and not reversed by then, the write-offs dated by then, and what closed it otherwise
    (a reversal, on the day it closed)."""
    ids = [t.pk for t in transactions]
    settled_now: dict[int, Decimal] = defaultdict(lambda: ZERO)
    settled_then: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in SettlementLine.objects.filter(open_transaction_id__in=ids).select_related(
        "settlement"
    ):
        s = line.settlement
        if s.status == Settlement.Status.POSTED:
            settled_now[line.open_transaction_id] += line.amount
        if s.date <= on and (s.reversed_on is None or s.reversed_on > on):
            settled_then[line.open_transaction_id] += line.amount
    written_now: dict[int, Decimal] = defaultdict(lambda: ZERO)
    written_then: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for write_off in WriteOff.objects.filter(open_transaction_id__in=ids):
        written_now[write_off.open_transaction_id] += write_off.amount
        if write_off.date <= on:
            written_then[write_off.open_transaction_id] += write_off.amount
    open_then = {}
    for t in transactions:
        sign = 1 if t.amount > 0 else -1
        written_now_signed = sign * written_now[t.pk]
        other = t.amount - t.open_amount - settled_now[t.pk] - written_now_signed
        closed_by_then = t.closed_on is not None and t.closed_on <= on
        open_then[t.pk] = (
            t.amount
            - settled_then[t.pk]
            - sign * written_then[t.pk]
            - (other if closed_by_then else ZERO)
        )
    return open_then


def statement_sections(
    *, customers: list[Customer], date_from: date, date_to: date, buckets: list[AgingBucket]
) -> list[dict[str, Any]]:
    """The statement's figures per transaction currency (see the module's docstring)."""
    entries = LedgerEntry.objects.filter(
        customer__in=customers, posting_type=PostingType.CUSTOMER_BALANCE, date__lte=date_to
    ).exclude(amount=0)
    opening: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for currency, amount in entries.filter(date__lt=date_from).values_list("currency", "amount"):
        opening[currency] += amount
    movements = _movements(entries.filter(date__gte=date_from))
    documents = _documents_of({e.voucher_id for e in movements})
    transactions = list(
        OpenTransaction.objects.filter(customer__in=customers, date__lte=date_to)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=date_to))
        .order_by("due_date", "document_number", "id")
    )
    open_then = _open_on(transactions, date_to)
    currencies = sorted(
        set(opening) | {e.currency for e in movements} | {t.currency for t in transactions}
    )
    sections = []
    for currency in currencies:
        balance = opening[currency]
        lines = []
        for entry in (e for e in movements if e.currency == currency):
            balance += entry.amount
            debit, credit = _signed(entry.amount)
            lines.append(
                {
                    "date": entry.date.isoformat(),
                    "legal_entity": entry.legal_entity,
                    "document": documents.get(entry.voucher_id) or entry.voucher_number,
                    "description": entry.description,
                    "debit": format_amount(debit, currency),
                    "credit": format_amount(credit, currency),
                    "balance": format_amount(balance, currency),
                }
            )
        aged = [ZERO] * len(buckets)
        for t in (t for t in transactions if t.currency == currency):
            days = (date_to - t.due_date).days
            index = next((i for i, b in enumerate(buckets) if b.contains(days)), None)
            if index is not None:
                aged[index] += open_then[t.pk]
        sections.append(
            {
                "currency": currency,
                "opening_balance": format_amount(opening[currency], currency),
                "closing_balance": format_amount(balance, currency),
                "lines": lines,
                "aging": [
                    {"label": b.label, "amount": format_amount(a, currency)}
                    for b, a in zip(buckets, aged, strict=True)
                ],
            }
        )
    return sections


def _period_check(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise InvalidInput(
            f"The period ends ({date_to}) before it starts ({date_from}).", field="date_to"
        )


def _statement_write(
    scope: StatementScope, *, date_from: date, date_to: date, actor: Actor, job: Job | None
) -> CustomerStatement:
    period_set = aging_period_set_get()
    buckets = list(period_set.buckets.order_by("sequence"))
    statement = CustomerStatement.objects.create(
        party=scope.party,
        customer=scope.customer,
        date_from=date_from,
        date_to=date_to,
        period_set=period_set.code,
        sections=statement_sections(
            customers=scope.customers, date_from=date_from, date_to=date_to, buckets=buckets
        ),
        job=job,
        created_by=acting_user(actor),
    )
    statement.legal_entities.set(scope.legal_entities)
    audit_record(
        actor=actor,
        action="customer_statement.created",
        obj=statement,
        changes={"period": (None, f"{date_from}–{date_to}")},
        legal_entities=scope.legal_entities,
    )
    return statement


@transaction.atomic
def customer_statement_create(
    *,
    actor: Actor,
    date_from: date,
    date_to: date,
    customer: Customer | None = None,
    party: Party | None = None,
) -> CustomerStatement:
    """A statement of ``customer`` or of ``party`` (every entity the actor may act in) for the
    period ``date_from``–``date_to``, stored."""
    _period_check(date_from, date_to)
    scope = statement_scope(actor=actor, customer=customer, party=party)
    return _statement_write(scope, date_from=date_from, date_to=date_to, actor=actor, job=None)


@transaction.atomic
def customer_statement_email(*, statement: CustomerStatement, actor: Actor, email: str = "") -> str:
    """Email the statement with its PDF (after commit) to ``email`` or the party's contact
    email; recorded on the statement and in the audit trail. Returns the address."""
    for entity in statement.legal_entities.all():
        ensure_can_act(actor, entity, field="statement")
    recipient = email_address_one(email) if email else party_contact_email(statement.party)
    if not recipient:
        raise InvalidInput(
            f"Party {statement.party.number} has no contact with an email address: add one to "
            "its contacts, or enter the address to send to.",
            field="email",
        )
    previous = statement.emailed_to or None
    statement.emailed_to = recipient
    statement.save(update_fields=["emailed_to"])
    audit_record(
        actor=actor,
        action="customer_statement.emailed",
        obj=statement,
        changes={"emailed_to": (previous, recipient)},
        legal_entities=list(statement.legal_entities.all()),
    )
    pk = statement.pk
    transaction.on_commit(lambda: _send(pk, recipient), robust=True)
    return recipient


def _send(statement_id: int, recipient: str) -> None:
    from ..statement_printing import statement_language, statement_pdf

    statement = CustomerStatement.objects.select_related("party", "customer__legal_entity").get(
        pk=statement_id
    )
    with translation.override(statement_language(statement)):
        values = {
            "legal_entities": ", ".join(e.name for e in statement.legal_entities.order_by("code")),
            "party": statement.party.name,
            "date_from": formats.date_format(statement.date_from, "SHORT_DATE_FORMAT"),
            "date_to": formats.date_format(statement.date_to, "SHORT_DATE_FORMAT"),
        }
        subject = gettext("%(legal_entities)s: account statement %(date_from)s to %(date_to)s")
        body = gettext(
            "Dear %(party)s,\n\nplease find attached your account statement for %(date_from)s "
            "to %(date_to)s.\n\n%(legal_entities)s"
        )
    message = EmailMessage(subject % values, body % values, to=[recipient])
    message.attach(f"statement-{statement.pk}.pdf", statement_pdf(statement), "application/pdf")
    message.send()
    CustomerStatement.objects.filter(pk=statement.pk).update(emailed_at=timezone.now())
    logger.info("Statement %s emailed to %s", statement.pk, recipient)


def pool_statements_start(
    *, pool: CustomerPool, date_from: date, date_to: date, actor: Actor
) -> Job:
    """The ``customer_statements`` job: a statement for each customer the pool lists now (in
    the actor's entities), for the period."""
    from core.jobs import job_start

    from ..selectors.collections import collections_lines

    _period_check(date_from, date_to)
    lines = collections_lines(
        actor, period_set=aging_period_set_get(), criteria=pool.criteria
    ).order_by()
    entities = list(
        LegalEntity.objects.filter(pk__in=lines.values("legal_entity_id")).order_by("code")
    )
    if not entities:
        raise InvalidInput(f"Pool {pool.code} lists no customer now.", field="pool")
    return job_start(
        kind=STATEMENTS_JOB,
        legal_entities=entities,
        as_of=date_to,
        actor=actor,
        parameters={"pool": pool.pk, "date_from": date_from.isoformat()},
    )


def pool_statements_job_run(job: Job, progress: JobProgress) -> dict[str, Any]:
    """Statements for the pool's customers, a chunk at a time; a customer that has its statement
    from this job already is skipped (a rerun completes, never repeats)."""
    from ..selectors.collections import collections_lines

    actor = job.started_by
    pool = CustomerPool.objects.filter(pk=job.parameters.get("pool") or 0).first()
    if pool is None:
        raise InvalidInput(
            "A customer statements job needs a customer pool: start it from the statements page "
            "or POST /api/v1/customer-statements/pool/.",
            field="pool",
        )
    # Without a start date, the month of the job's date.
    date_from = date.fromisoformat(
        job.parameters.get("date_from") or job.as_of.replace(day=1).isoformat()
    )
    entity_ids = set(job.legal_entities.values_list("pk", flat=True))
    customer_ids = sorted(
        set(
            collections_lines(
                actor,
                period_set=aging_period_set_get(),
                criteria=pool.criteria,
                legal_entity_ids=entity_ids,
            ).values_list("customer_id", flat=True)
        )
    )
    progress.set_total(len(customer_ids))
    made = 0
    for start in range(0, len(customer_ids), CHUNK_SIZE):
        chunk = customer_ids[start : start + CHUNK_SIZE]
        with job_chunk(progress):
            done = set(
                CustomerStatement.objects.filter(job=job, customer_id__in=chunk).values_list(
                    "customer_id", flat=True
                )
            )
            for customer in Customer.objects.filter(pk__in=set(chunk) - done).select_related(
                "legal_entity", "party"
            ):
                scope = statement_scope(actor=actor, customer=customer)
                _statement_write(
                    scope, date_from=date_from, date_to=job.as_of, actor=actor, job=job
                )
                made += 1
                progress.beat()
        progress.advance(len(chunk))
    return {"statements": made, "customers": len(customer_ids), "pool": pool.code}
