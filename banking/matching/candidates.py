"""The database side of matching: the open debits a statement's lines may pay, read in bulk
(a few queries per statement and per chunk of lines, none per line), as a ``CandidateBook``.

Candidates are open debits (invoices and interest notes, open amount above zero) in the line's
currency, in every legal entity the user may act in: named by a document number key (one
query for the whole statement, on the index of open items' number keys), or of the parties the
lines' IBANs and names point at (a chunk of lines at a time: first the debits that may pay the
lines' amounts, then all the debits of the parties only for the lines none of those agrees
with, as the rules take them). Each candidate's cash discount on the line's value date is
asked of the receivables discount module; the discount schedules, and each party's customer in
the entity of the payment, come with the debits in the same query."""

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, wait
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from core.aside import aside, aside_possible
from core.money import ZERO
from entities.models import Customer, LegalEntity, PartyBankAccount
from receivables.discounts import Periods, cash_discount_available
from receivables.models import OpenTransaction, OpenTransactionDiscount
from receivables.models.open_transactions import DOCUMENT_NUMBER_KEY

from ..sql import among, jit_off
from .facts import NAME_SIMILARITY_MIN, Candidate, LineFacts, amount_fit

if TYPE_CHECKING:
    from .party_names import PartyNames

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


_UNKNOWN = object()  # not looked up yet (``StatementBook.party_of_iban``)


class _Debit(NamedTuple):
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


def iban_compact(text: str) -> str:
    return (text or "").replace(" ", "").upper()


def open_debits(*, entity_ids: Collection[int] | None, currencies: Collection[str]) -> QuerySet:
    """Open debits in those entities (all for ``None``) and currencies. ``~Q(open_amount=0)``
    is the condition of the partial indexes on open items, spelled as they are."""
    qs = OpenTransaction.objects.filter(
        ~Q(open_amount=0), open_amount__gt=0, kind__in=DEBIT_KINDS, currency__in=currencies
    )
    if entity_ids is not None:
        qs = qs.filter(legal_entity_id__in=entity_ids)
    return qs


class _ChunkDebits:
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
        self.paying: dict[int, dict[int, _Debit]] = {}
        self.paying_amounts: dict[int, frozenset[Decimal]] = {}
        self.of_party: dict[int, list[_Debit]] = {}
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
            for batch in _batches(parties, every):
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
            debits: Iterable[_Debit] = self.of_party[party]
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
        for batch in _batches(sorted(set(parties) - self.of_party.keys())):
            of_party: dict[int, list[_Debit]] = {party: [] for party in batch}
            for ot, _ in self._read(self._debits.filter(among("party_id", batch))):
                of_party[ot.party_id].append(ot)
            self.of_party.update(of_party)

    def _read(self, qs: QuerySet) -> Iterator[tuple[_Debit, object]]:
        """The debits of ``qs`` (``_debits_of``); their parties' payment customers kept."""
        for ot, value, customer in _debits_of(qs):
            self.customers[ot.party_id] = customer
            yield ot, value

    def _discount(self, ot: _Debit, entity: LegalEntity, on: date) -> Decimal:
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

    def candidate(self, ot: _Debit, on: date) -> Candidate:
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


class StatementBook:
    """The ``CandidateBook`` of one statement's credit lines. ``statement_book_load`` reads, for
    the whole statement, the debits the lines' references name and the parties their IBANs
    give; ``chunk_read`` the debits of those parties for a chunk of lines, forgetting those of
    the chunk before (maybe read ahead: ``chunk_ahead``); ``names_search`` those of the parties
    some lines' names point at. A party's debits are read as the rules take them: first those
    that may pay the lines' amounts (``open_debits_paying``), all of them (``open_debits``)
    only for the lines none of those agrees with. Asked for debits it has not read, the book
    reads them then (one query)."""

    def __init__(
        self,
        *,
        debits: QuerySet,
        names: "PartyNames",
        entities: dict[int, LegalEntity],
        payment_entity_id: int,
    ) -> None:
        customers = Customer.objects.filter(
            legal_entity_id=payment_entity_id, party_id=OuterRef("party_id")
        ).order_by("id")
        self._debits = debits.annotate(payment_customer=Subquery(customers.values("id")[:1]))
        self._names = names
        self._entities = entities
        self._iban_parties: dict[str, int] = {}  # by compact IBAN
        self._of_iban: dict[str, int | None] = {}  # by IBAN as the lines give it
        self._named: dict[str, list[_Debit]] = defaultdict(list)
        self._customers: dict[int, int | None] = {}
        self._chunk = self._chunk_new(self._customers)

    def _chunk_new(self, customers: dict[int, int | None]) -> _ChunkDebits:
        return _ChunkDebits(debits=self._debits, entities=self._entities, customers=customers)

    def ibans_read(self, ibans: Collection[str]) -> None:
        """Read the parties of ``ibans`` (compact)."""
        self._of_iban.clear()
        accounts = PartyBankAccount.objects.values_list("iban", "party_id")
        for batch in _batches(sorted(ibans)):
            self._iban_parties.update(accounts.filter(among("iban", batch)))

    def keys_read(self, keys: Collection[str]) -> None:
        """Read the open debits whose document number key is one of ``keys``."""
        self.keys_keep(self.keys_found(keys))

    def keys_found(self, keys: Collection[str]) -> list[tuple[_Debit, str, int | None]]:
        """(debit, its key, its party's payment customer) of the open debits whose document
        number key is one of ``keys``; the book unchanged (another thread may read them)."""
        found = self._debits.annotate(number_key=DOCUMENT_NUMBER_KEY)
        return [
            row
            for batch in _batches(sorted(keys))
            for row in _debits_of(found.filter(among("number_key", batch)), "number_key")
        ]

    def keys_keep(self, found: Iterable[tuple[_Debit, str, int | None]]) -> None:
        """Keep what ``keys_found`` read."""
        for ot, key, customer in found:
            self._customers[ot.party_id] = customer
            self._named[key].append(ot)

    def chunk_read(
        self, lines: Sequence[LineFacts], *, ahead: "Future[_ChunkDebits] | None" = None
    ) -> None:
        """Forget the parties' debits read for the chunk before; read those of the parties the
        IBANs of ``lines`` give, but for what ``ahead`` (``chunk_ahead``) read already."""
        if ahead is None:
            self._chunk = self._chunk_new(self._customers)
        else:
            self._chunk = ahead.result()
            self._customers.update(self._chunk.customers)
            self._chunk.customers = self._customers
        self._chunk.parties_read(self._iban_wanted(lines))

    def chunk_ahead(
        self, lines: Sequence[LineFacts], by_name: Sequence[tuple[LineFacts, list[int]]]
    ) -> "Future[_ChunkDebits] | None":
        """Start reading, on a connection of its own (``core.aside``), what ``chunk_read`` and
        ``names_search`` will read for the next chunk: the debits of the parties the IBANs of
        ``lines`` give and of the parties ``by_name`` lists for its lines; ``None`` where work
        may not go aside (then they are read when asked). The book is not touched: the chunk
        comes through the future, for ``chunk_read``."""
        if not aside_possible():
            return None
        chunk = self._chunk_new({})
        wanted = [*self._iban_wanted(lines), *by_name]
        return aside(partial(_chunk_read_ahead, chunk, wanted), name="statement-chunk-ahead")

    def _iban_wanted(self, lines: Iterable[LineFacts]) -> list[tuple[LineFacts, list[int]]]:
        wanted = []
        for line in lines:
            party = self.party_of_iban(line.counterparty_iban)
            if party is not None:
                wanted.append((line, [party]))
        return wanted

    def names_search(self, lines: Iterable[LineFacts]) -> None:
        """Search the names of ``lines`` and read the debits of the parties found."""
        self._chunk.parties_read(self.names_wanted(lines))

    def names_wanted(self, lines: Iterable[LineFacts]) -> list[tuple[LineFacts, list[int]]]:
        """(line, the parties its name points at) of the ``lines`` that carry a name; the names
        searched."""
        wanted = []
        for line in lines:
            if line.counterparty_name.strip():
                found = self.parties_by_name(line.counterparty_name)
                wanted.append((line, [p for p, s in found if s >= NAME_SIMILARITY_MIN]))
        return wanted

    def candidates_by_keys(self, keys: Collection[str], *, on: date) -> list[Candidate]:
        seen: dict[int, Candidate] = {}
        for key in keys:
            for ot in self._named.get(key, ()):
                if ot.id not in seen:
                    seen[ot.id] = self._chunk.candidate(ot, on)
        return list(seen.values())

    def party_of_iban(self, iban: str) -> int | None:
        found = self._of_iban.get(iban, _UNKNOWN)
        if found is _UNKNOWN:
            found = self._of_iban[iban] = self._iban_parties.get(iban_compact(iban))
        return found

    def open_debits(self, party: int, *, on: date) -> list[Candidate]:
        chunk = self._chunk
        if party not in chunk.of_party:
            chunk.complete_read([party])
        return [chunk.candidate(ot, on) for ot in chunk.of_party[party]]

    def open_debits_paying(self, party: int, amount: Decimal, *, on: date) -> list[Candidate]:
        chunk = self._chunk
        if party in chunk.of_party or amount not in chunk.paying_amounts.get(party, ()):
            return self.open_debits(party, on=on)
        debits = sorted(chunk.paying[party].values(), key=lambda ot: (ot.due_date, ot.id))
        return [chunk.candidate(ot, on) for ot in debits]

    def parties_by_name(self, name: str) -> list[tuple[int, float]]:
        return self._names.found(name)

    def payment_customer(self, party: int) -> int | None:
        return self._customers.get(party)


def _chunk_read_ahead(
    chunk: _ChunkDebits, wanted: list[tuple[LineFacts, list[int]]]
) -> _ChunkDebits:
    with jit_off():
        chunk.parties_read(wanted)
    return chunk


_UNTIL = len(_FIELDS)  # where the joined columns start in a row


def _debits_of(
    qs: QuerySet, extra: str | None = None
) -> Iterator[tuple[_Debit, object, int | None]]:
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


def _debit(row: tuple, periods: list) -> tuple[_Debit, object, int | None]:
    ot = _Debit(*row[:_UNTIL], periods=tuple(periods))
    return ot, (row[_UNTIL + 3] if len(row) > _UNTIL + 3 else None), row[_UNTIL + 2]


def _batches(items: Sequence, *others: Collection) -> Iterator[Sequence]:
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


def statement_book_load(
    *,
    lines: Sequence[LineFacts],
    entity_ids: Collection[int] | None,
    entities: dict[int, LegalEntity],
    payment_entity_id: int,
    names: "PartyNames",
) -> StatementBook:
    """The book of ``lines`` (one statement's credit lines) in the entities ``entity_ids`` (all
    for ``None``; ``entities`` holds each of them by id), with the debits the lines' references
    name and the parties of their IBANs read (see ``StatementBook``).

    Where work may go aside (``core.aside``), the debits the references name are read on a
    second connection; meanwhile the parties of the IBANs are read here, the party names on a
    third connection when a line carries a name and no known IBAN (``PartyNames.read_aside``),
    and the names of the lines that are searched whatever the references give (a name, no
    reference, no known IBAN) are searched here, as long as the debits are being read."""
    book = StatementBook(
        debits=open_debits(
            entity_ids=entity_ids, currencies=sorted({line.currency for line in lines})
        ),
        names=names,
        entities=entities,
        payment_entity_id=payment_entity_id,
    )
    ibans = {iban_compact(line.counterparty_iban) for line in lines} - {""}
    keys = {key for line in lines for key in line.reference_keys}
    if not aside_possible():
        book.ibans_read(ibans)
        book.keys_read(keys)
        return book
    reading = aside(partial(_keys_found, book, keys), name="statement-keys")
    try:  # the IBANs read here, and the names searched whatever the keys give, meanwhile
        book.ibans_read(ibans)
        unknown = [
            line
            for line in lines
            if line.counterparty_name.strip() and book.party_of_iban(line.counterparty_iban) is None
        ]
        if unknown:
            names.read_aside()
        names.found_meanwhile(
            (line.counterparty_name for line in unknown if not line.reference_keys), reading
        )
    except BaseException:
        wait([reading])  # its connection closed; this error is the one raised
        raise
    book.keys_keep(reading.result())
    return book


def _keys_found(book: StatementBook, keys: Collection[str]) -> list:
    with jit_off():
        return book.keys_found(keys)
