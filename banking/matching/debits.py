"""Open debits as matching reads them: rows, not model instances (a chunk of lines may read
tens of thousands), each with its cash discount schedule and its party's payment customer, in
one query (``debits_of``); and the debits read of the parties of one chunk of lines, with the
candidates made of them (``ChunkDebits``: filled on the thread that reads a chunk ahead, then
handed over to ``candidates.StatementBook``)."""

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from core.money import ZERO
from entities.models import LegalEntity
from receivables.discounts import Periods, cash_discount_available
from receivables.models import OpenTransaction, OpenTransactionDiscount

from ..sql import among
from .facts import Candidate, LineFacts, amount_fit

DEBIT_KINDS = (OpenTransaction.Kind.INVOICE, OpenTransaction.Kind.INTEREST_NOTE)
_FIELDS = (
    "id",
    "legal_entity_id",
    "customer_id",
    "party_id",
    "document_number",
    "due_date",
    "currency",
    "amount",
    "open_amount",
    "amount_before_tax",
    "disputed",
)
# Then, per row: a discount period (a row per period; one without for most debits) and the
# party's customer in the entity of the payment.
_JOINED = ("cash_discounts__until", "cash_discounts__percent", "payment_customer")


class Debit(NamedTuple):
    """An open debit as matching reads it: a row, not a model instance (a chunk of lines may
    read tens of thousands), with its cash discount schedule: (last day, percent) per period."""

    id: int
    legal_entity_id: int
    customer_id: int
    party_id: int
    document_number: str
    due_date: date
    currency: str
    amount: Decimal
    open_amount: Decimal
    amount_before_tax: Decimal
    disputed: bool
    periods: Periods


def open_debits(*, entity_ids: Collection[int] | None, currencies: Collection[str]) -> QuerySet:
    """Open debits in those entities (all for ``None``) and currencies. ``~Q(open_amount=0)``
    is the condition of the partial indexes on open items, spelled as they are."""
    qs = OpenTransaction.objects.filter(
        ~Q(open_amount=0), open_amount__gt=0, kind__in=DEBIT_KINDS, currency__in=currencies
    )
    if entity_ids is not None:
        qs = qs.filter(legal_entity_id__in=entity_ids)
    return qs


class ChunkDebits:
    """The debits read of the parties of one chunk of lines (see ``StatementBook``), and the
    candidates made of debits for it. Used by one thread at a time: the next chunk's are read
    ahead on a connection of its own (``StatementBook.chunk_ahead``) while the current chunk is
    matched, then handed over."""

    def __init__(
        self,
        *,
        debits: QuerySet,
        entities: dict[int, LegalEntity],
        customers: dict[int, int | None],
    ) -> None:
        self._debits = debits
        self._entities = entities
        # Each party's payment customer, as its debits are read: the book's own (a chunk read
        # ahead keeps its own until it is handed over).
        self.customers = customers
        # A party's debits that may pay the amounts read for it; all its debits.
        self.paying: dict[int, dict[int, Debit]] = {}
        self.paying_amounts: dict[int, frozenset[Decimal]] = {}
        self.of_party: dict[int, list[Debit]] = {}
        self._candidates: dict[tuple[int, date], Candidate] = {}

    def parties_read(self, wanted: list[tuple[LineFacts, list[int]]]) -> None:
        """Read, for each (line, its parties), the debits of the parties that may pay the line's
        amount (one query); then all the debits of the parties of the lines none of those
        agrees with (one query). What is read already is not read again."""
        amounts: dict[int, set[Decimal]] = defaultdict(set)
        for line, parties in wanted:
            for party in parties:
                if party not in self.of_party:
                    amounts[party].add(line.amount)
        missing = {
            party: wants - self.paying_amounts.get(party, frozenset())
            for party, wants in amounts.items()
        }
        parties = sorted(party for party, wants in missing.items() if wants)
        if parties:
            every = sorted({amount for party in parties for amount in missing[party]})
            discounted = Exists(
                OpenTransactionDiscount.objects.filter(open_transaction=OuterRef("pk"))
            )
            for batch in batches(parties, every):
                found = self._debits.filter(
                    among("party_id", batch), among("open_amount", every) | discounted
                )
                for ot, _ in self._read(found):
                    self.paying.setdefault(ot.party_id, {})[ot.id] = ot
            covered = frozenset(every)  # shared by the parties read together
            for party in parties:
                self.paying.setdefault(party, {})
                before = self.paying_amounts.get(party)
                self.paying_amounts[party] = covered if before is None else before | covered
        complete = set()
        for line, parties in wanted:
            if not any(self._agrees(party, line) for party in parties):
                complete.update(parties)
        self.complete_read(complete)

    def _agrees(self, party: int, line: LineFacts) -> bool:
        """Whether a debit read of the party, not in dispute, pays the line's amount."""
        if party in self.of_party:
            debits: Iterable[Debit] = self.of_party[party]
        else:
            debits = self.paying[party].values()
        on = line.value_date
        return any(
            not ot.disputed
            and ot.currency == line.currency
            and amount_fit(self.candidate(ot, on), line.amount, tolerance=False)
            for ot in debits
        )

    def complete_read(self, parties: Collection[int]) -> None:
        """Read all the debits of ``parties`` (those not read yet)."""
        for batch in batches(sorted(set(parties) - self.of_party.keys())):
            of_party: dict[int, list[Debit]] = {party: [] for party in batch}
            for ot, _ in self._read(self._debits.filter(among("party_id", batch))):
                of_party[ot.party_id].append(ot)
            self.of_party.update(of_party)

    def _read(self, qs: QuerySet) -> Iterator[tuple[Debit, object]]:
        """The debits of ``qs`` (``debits_of``); their parties' payment customers kept."""
        for ot, value, customer in debits_of(qs):
            self.customers[ot.party_id] = customer
            yield ot, value

    def _discount(self, ot: Debit, entity: LegalEntity, on: date) -> Decimal:
        """The cash discount available on ``on`` (``receivables.discounts``); none without a
        schedule, as for most open items, without asking."""
        if not ot.periods:
            return ZERO
        offer = cash_discount_available(
            periods=ot.periods,
            on=on,
            open_amount=ot.open_amount,
            amount=ot.amount,
            amount_before_tax=ot.amount_before_tax,
            base_includes_tax=entity.cash_discount_base_includes_tax,
            currency=ot.currency,
        )
        return offer.amount if offer else ZERO

    def candidate(self, ot: Debit, on: date) -> Candidate:
        key = (ot.id, on)
        found = self._candidates.get(key)
        if found is None:
            entity = self._entities[ot.legal_entity_id]
            # Tolerances are set in accounting currency: in another currency none is taken.
            same = ot.currency == entity.accounting_currency
            found = self._candidates[key] = Candidate(
                transaction=ot.id,
                party=ot.party_id,
                customer=ot.customer_id,
                legal_entity=ot.legal_entity_id,
                document_number=ot.document_number,
                currency=ot.currency,
                open_amount=ot.open_amount,
                discount=self._discount(ot, entity, on),
                max_underpayment=entity.max_underpayment if same else ZERO,
                max_overpayment=entity.max_overpayment if same else ZERO,
                due_date=ot.due_date,
                disputed=ot.disputed,
            )
        return found


_UNTIL = len(_FIELDS)  # where the joined columns start in a row


def debits_of(qs: QuerySet, extra: str | None = None) -> Iterator[tuple[Debit, object, int | None]]:
    """The debits of ``qs`` (a ``StatementBook``'s), oldest first, each with the value of
    ``extra`` and its party's payment customer, in one query with their discount schedules."""
    rows = qs.order_by("due_date", "id", "cash_discounts__until").values_list(
        *_FIELDS, *_JOINED, *([extra] if extra else [])
    )
    first, periods = None, []
    for row in rows:
        if first is not None and row[0] == first[0]:
            periods.append((row[_UNTIL], row[_UNTIL + 1]))
            continue
        if first is not None:
            yield _debit(first, periods)
        first = row
        periods = [] if row[_UNTIL] is None else [(row[_UNTIL], row[_UNTIL + 1])]
    if first is not None:
        yield _debit(first, periods)


def _debit(row: tuple, periods: list) -> tuple[Debit, object, int | None]:
    ot = Debit(*row[:_UNTIL], periods=tuple(periods))
    return ot, (row[_UNTIL + 3] if len(row) > _UNTIL + 3 else None), row[_UNTIL + 2]


def batches(items: Sequence, *others: Collection) -> Iterator[Sequence]:
    """``items`` in batches small enough for the backend's query parameters (all at once where
    it has no limit), ``others`` being the other parameters of each query."""
    limit = connection.features.max_query_params
    if limit is None:
        if items:
            yield items
        return
    size = max(1, limit - sum(len(other) for other in others) - 50)
    for start in range(0, len(items), size):
        yield items[start : start + size]
