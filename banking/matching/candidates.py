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
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import Future, wait
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from django.db.models import OuterRef, QuerySet, Subquery

from core.aside import aside, aside_possible
from entities.models import Customer, LegalEntity, PartyBankAccount
from receivables.models.open_transactions import DOCUMENT_NUMBER_KEY

from ..sql import among, jit_off
from .debits import ChunkDebits, Debit, batches, debits_of, open_debits
from .facts import NAME_SIMILARITY_MIN, Candidate, LineFacts

if TYPE_CHECKING:
    from .party_names import PartyNames

_UNKNOWN = object()  # not looked up yet (``StatementBook.party_of_iban``)


def iban_compact(text: str) -> str:
    return (text or "").replace(" ", "").upper()


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
        self._named: dict[str, list[Debit]] = defaultdict(list)
        self._customers: dict[int, int | None] = {}
        self._chunk = self._chunk_new(self._customers)

    def _chunk_new(self, customers: dict[int, int | None]) -> ChunkDebits:
        return ChunkDebits(debits=self._debits, entities=self._entities, customers=customers)

    def ibans_read(self, ibans: Collection[str]) -> None:
        """Read the parties of ``ibans`` (compact)."""
        self._of_iban.clear()
        accounts = PartyBankAccount.objects.values_list("iban", "party_id")
        for batch in batches(sorted(ibans)):
            self._iban_parties.update(accounts.filter(among("iban", batch)))

    def keys_read(self, keys: Collection[str]) -> None:
        """Read the open debits whose document number key is one of ``keys``."""
        self.keys_keep(self.keys_found(keys))

    def keys_found(self, keys: Collection[str]) -> list[tuple[Debit, str, int | None]]:
        """(debit, its key, its party's payment customer) of the open debits whose document
        number key is one of ``keys``; the book unchanged (another thread may read them)."""
        found = self._debits.annotate(number_key=DOCUMENT_NUMBER_KEY)
        return [
            row
            for batch in batches(sorted(keys))
            for row in debits_of(found.filter(among("number_key", batch)), "number_key")
        ]

    def keys_keep(self, found: Iterable[tuple[Debit, str, int | None]]) -> None:
        """Keep what ``keys_found`` read."""
        for ot, key, customer in found:
            self._customers[ot.party_id] = customer
            self._named[key].append(ot)

    def chunk_read(
        self, lines: Sequence[LineFacts], *, ahead: "Future[ChunkDebits] | None" = None
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
    ) -> "Future[ChunkDebits] | None":
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


def _chunk_read_ahead(chunk: ChunkDebits, wanted: list[tuple[LineFacts, list[int]]]) -> ChunkDebits:
    with jit_off():
        chunk.parties_read(wanted)
    return chunk


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
