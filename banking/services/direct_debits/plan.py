"""What a collection run collects, computed without writing: for the preview page and API,
for the run's preparation (with progress), and under lock inside the run's transaction.

The debits: open, undisputed invoices and interest notes in the bank account's currency, due
by the due-until date, of customers with an active mandate in the entity and not on credit
hold (``Customer.blocked``). One item per mandate: the open amounts less the cash discount
each debit offers on the collection date (``receivables.discounts``, the one rule)."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from core.jobs import JobProgress
from core.money import ZERO
from entities.models import LegalEntity
from receivables.discounts import cash_discount_available
from receivables.locks import open_transactions_for_update, open_transactions_in_bulk
from receivables.models import OpenTransaction

from ...models import DirectDebitMandate

# Mandates read (and locked) together; their debits are read with one statement.
CHUNK = 500

DEBIT_KINDS = (OpenTransaction.Kind.INVOICE, OpenTransaction.Kind.INTEREST_NOTE)


@dataclass(frozen=True)
class CollectedDebit:
    open_transaction: OpenTransaction
    open_amount: Decimal
    cash_discount: Decimal

    @property
    def amount(self) -> Decimal:
        return self.open_amount - self.cash_discount


@dataclass
class CollectionItem:
    """One mandate's payment: its debits, what it collects and the sequence type it goes
    with."""

    mandate: DirectDebitMandate
    debits: list[CollectedDebit] = field(default_factory=list)

    @property
    def sequence_type(self) -> str:
        return self.mandate.next_sequence_type

    @property
    def amount(self) -> Decimal:
        return sum((d.amount for d in self.debits), ZERO)

    @property
    def cash_discount(self) -> Decimal:
        return sum((d.cash_discount for d in self.debits), ZERO)


@dataclass(frozen=True)
class CollectionScope:
    legal_entity: LegalEntity
    currency: str
    collection_date: date
    due_until: date
    mandate_ids: tuple[int, ...] | None = None


def mandates_in_scope(scope: CollectionScope) -> QuerySet[DirectDebitMandate]:
    """The active mandates a run may collect under, by primary key."""
    mandates = DirectDebitMandate.objects.filter(
        legal_entity=scope.legal_entity,
        status=DirectDebitMandate.Status.ACTIVE,
        customer__blocked=False,
    )
    if scope.mandate_ids is not None:
        mandates = mandates.filter(pk__in=scope.mandate_ids)
    return mandates.order_by("pk")


def debits_in_scope(scope: CollectionScope, customer_ids) -> QuerySet[OpenTransaction]:
    """The collectable debits of those customers (a list or a subquery), unlocked."""
    return OpenTransaction.objects.filter(
        legal_entity=scope.legal_entity,
        customer_id__in=customer_ids,
        kind__in=DEBIT_KINDS,
        amount__gt=0,
        open_amount__gt=0,
        disputed=False,
        currency=scope.currency,
        due_date__lte=scope.due_until,
    )


def anything_to_collect(scope: CollectionScope) -> bool:
    return debits_in_scope(scope, mandates_in_scope(scope).values("customer_id")).exists()


def _collectable(ot: OpenTransaction, scope: CollectionScope) -> bool:
    """Checked again on the rows read (locked, in the run): what changed since the query."""
    return ot.open_amount > 0 and not ot.disputed and ot.currency == scope.currency


def _debit(ot: OpenTransaction, on: date) -> CollectedDebit:
    offer = cash_discount_available(
        periods=ot.discount_schedule,
        on=on,
        open_amount=ot.open_amount,
        amount=ot.amount,
        amount_before_tax=ot.amount_before_tax,
        base_includes_tax=ot.legal_entity.cash_discount_base_includes_tax,
        currency=ot.currency,
    )
    return CollectedDebit(ot, ot.open_amount, offer.amount if offer else ZERO)


def items_of(
    mandates: Sequence[DirectDebitMandate], scope: CollectionScope, *, lock: bool
) -> list[CollectionItem]:
    """The items of these mandates (those with something to collect), their debits read with
    one statement, locked without waiting when ``lock`` (a held debit raises
    ``OperationalError``: another run or a settlement has it)."""
    by_customer = {m.customer_id: CollectionItem(m) for m in mandates}
    ids = list(
        debits_in_scope(scope, list(by_customer)).order_by("pk").values_list("pk", flat=True)
    )
    if not ids:
        return []
    if lock:
        rows = open_transactions_for_update(ids, nowait=True)
    else:
        rows = open_transactions_in_bulk(ids)
    for ot in rows.values():
        if _collectable(ot, scope):
            by_customer[ot.customer_id].debits.append(_debit(ot, scope.collection_date))
    return [item for item in by_customer.values() if item.debits]


def mandate_chunks(
    scope: CollectionScope, *, lock: bool = False
) -> Iterator[list[DirectDebitMandate]]:
    """The mandates in scope, ``CHUNK`` at a time, by primary key; locked without waiting
    when ``lock``."""
    ids = list(mandates_in_scope(scope).values_list("pk", flat=True))
    rows = (
        DirectDebitMandate.objects.select_for_update(nowait=True, of=("self",))
        if lock
        else DirectDebitMandate.objects.all()
    )
    for start in range(0, len(ids), CHUNK):
        chunk = rows.filter(pk__in=ids[start : start + CHUNK])
        yield list(chunk.select_related("legal_entity", "customer__party").order_by("pk"))


@dataclass(frozen=True)
class PlanSummary:
    items: list[CollectionItem]
    count: int
    total: Decimal
    cash_discount: Decimal
    debits: int


def collection_plan(
    scope: CollectionScope, *, progress: JobProgress | None = None, keep_items: bool = True
) -> PlanSummary:
    """What a run would collect now, without writing or locking. With ``progress`` the
    mandates read count as done (the run's preparation)."""
    items: list[CollectionItem] = []
    count, total, discount, debits = 0, ZERO, ZERO, 0
    for chunk in mandate_chunks(scope):
        for item in items_of(chunk, scope, lock=False):
            count += 1
            total += item.amount
            discount += item.cash_discount
            debits += len(item.debits)
            if keep_items:
                items.append(item)
        if progress is not None:
            progress.advance(len(chunk))
    return PlanSummary(items, count, total, discount, debits)
