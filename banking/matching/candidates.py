"""The database side of matching: the open debits a statement's lines may pay, read in bulk
for a chunk of lines (a few queries per chunk, none per line), as a ``CandidateBook``.

Candidates are open debits (invoices and interest notes, open amount above zero) in the line's
currency, in every legal entity the user may act in: named by a document number key (one
query on the index of open items' number keys), or of the parties the lines' IBANs and names
point at (one query). Each candidate's cash discount on the line's value date is asked of the
receivables discount module."""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet
from rapidfuzz import fuzz, process, utils

from core.money import ZERO
from entities.models import Customer, LegalEntity, Party, PartyBankAccount
from receivables.discounts import Periods, cash_discount_available
from receivables.models import OpenTransaction, OpenTransactionDiscount
from receivables.models.open_transactions import DOCUMENT_NUMBER_KEY

from .engine import LineFacts, line_reference_keys
from .facts import NAME_SIMILARITY_MIN, Candidate

DEBIT_KINDS = (OpenTransaction.Kind.INVOICE, OpenTransaction.Kind.INTEREST_NOTE)
NAME_MATCHES_KEPT = 10  # parties a name may point at
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


class _Debit(NamedTuple):
    """An open debit as matching reads it: a row, not a model instance (a chunk of lines may
    read tens of thousands)."""

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


class PartyNames:
    """The names of the parties with open debits in the user's entities, read once and only
    when a line needs them, searched by name similarity (``engine.name_similarity``, with
    every name processed once, in one list that rapidfuzz scans without a Python loop)."""

    def __init__(self, *, entity_ids: Collection[int] | None, currencies: Collection[str]):
        self._entity_ids = entity_ids
        self._currencies = currencies
        self._parties: list[int] | None = None
        self._names: list[str] = []
        self._found: dict[str, list[tuple[int, float]]] = {}

    def _load(self) -> list[str]:
        if self._parties is None:
            debits = open_debits(entity_ids=self._entity_ids, currencies=self._currencies)
            rows = Party.objects.filter(Exists(debits.filter(party_id=OuterRef("pk"))))
            self._parties = []
            for pk, name in rows.values_list("id", "name"):
                self._parties.append(pk)
                self._names.append(utils.default_process(name))
        return self._names

    def search(self, name: str) -> list[tuple[int, float]]:
        """(party, similarity) of the parties scoring at least ``NAME_SIMILARITY_MIN``."""
        query = utils.default_process(name)
        if query not in self._found:
            found = process.extract(
                query,
                self._load(),
                scorer=fuzz.token_set_ratio,
                processor=None,
                score_cutoff=NAME_SIMILARITY_MIN,
                limit=NAME_MATCHES_KEPT,
            )
            parties = self._parties
            self._found[query] = [(parties[index], score) for _, score, index in found]
        return self._found[query]


class StatementBook:
    """The ``CandidateBook`` of a chunk of a statement's lines (see ``statement_book_load``)."""

    def __init__(
        self,
        *,
        named: dict[str, list[_Debit]],
        of_party: dict[int, list[_Debit]],
        periods: dict[int, Periods],
        iban_parties: dict[str, int],
        names: PartyNames,
        customers: dict[int, int],
        entities: dict[int, LegalEntity],
    ) -> None:
        self._named = named
        self._of_party = of_party
        self._periods = periods
        self._iban_parties = iban_parties
        self._names = names
        self._customers = customers
        self._entities = entities
        self._candidates: dict[tuple[int, date], Candidate] = {}

    def _discount(self, ot: _Debit, entity: LegalEntity, on: date) -> Decimal:
        """The cash discount available on ``on`` (``receivables.discounts``); none without a
        schedule, as for most open items, without asking."""
        periods = self._periods.get(ot.id)
        if not periods:
            return ZERO
        offer = cash_discount_available(
            periods=periods,
            on=on,
            open_amount=ot.open_amount,
            amount=ot.amount,
            amount_before_tax=ot.amount_before_tax,
            base_includes_tax=entity.cash_discount_base_includes_tax,
            currency=ot.currency,
        )
        return offer.amount if offer else ZERO

    def _candidate(self, ot: _Debit, on: date) -> Candidate:
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

    def candidates_by_keys(self, keys: Collection[str], *, on: date) -> list[Candidate]:
        seen: dict[int, Candidate] = {}
        for key in keys:
            for ot in self._named.get(key, ()):
                if ot.id not in seen:
                    seen[ot.id] = self._candidate(ot, on)
        return list(seen.values())

    def party_of_iban(self, iban: str) -> int | None:
        return self._iban_parties.get(iban_compact(iban))

    def open_debits(self, party: int, *, on: date) -> list[Candidate]:
        return [self._candidate(ot, on) for ot in self._of_party.get(party, ())]

    def parties_by_name(self, name: str) -> list[tuple[int, float]]:
        return self._names.search(name)

    def payment_customer(self, party: int) -> int | None:
        return self._customers.get(party)


def _read(qs: QuerySet, *extra: str) -> list[tuple]:
    """The debits of ``qs`` as rows (the ``_FIELDS``, then ``extra``), oldest first."""
    return list(qs.order_by("due_date", "id").values_list(*_FIELDS, *extra))


def _periods_read(*querysets: QuerySet) -> dict[int, Periods]:
    """The cash discount schedules of the debits ``querysets`` read, one query each: (last day,
    percent) per period."""
    periods: dict[int, list] = defaultdict(list)
    for qs in querysets:
        rows = OpenTransactionDiscount.objects.filter(open_transaction__in=qs.values("pk"))
        for ot, until, percent in rows.values_list("open_transaction_id", "until", "percent"):
            periods[ot].append((until, percent))
    return periods


def statement_book_load(
    *,
    lines: Sequence[LineFacts],
    entity_ids: Collection[int] | None,
    entities: dict[int, LegalEntity],
    payment_entity_id: int,
    names: PartyNames,
) -> StatementBook:
    """The candidates of ``lines`` (a chunk of one statement's credit lines) in the entities
    ``entity_ids`` (all for ``None``; ``entities`` holds each of them by id), in bulk."""
    currencies = sorted({line.currency for line in lines})
    keys = sorted({key for line in lines for key in line_reference_keys(line)})
    ibans = sorted({iban_compact(x.counterparty_iban) for x in lines} - {""})
    iban_parties = (
        dict(PartyBankAccount.objects.filter(iban__in=ibans).values_list("iban", "party_id"))
        if ibans
        else {}
    )
    parties = set(iban_parties.values())
    for line in lines:
        if iban_compact(line.counterparty_iban) not in iban_parties and line.counterparty_name:
            parties.update(party for party, _ in names.search(line.counterparty_name))
    debits = open_debits(entity_ids=entity_ids, currencies=currencies)
    read = []
    named: dict[str, list[_Debit]] = defaultdict(list)
    if keys:
        found = debits.annotate(number_key=DOCUMENT_NUMBER_KEY).filter(number_key__in=keys)
        read.append(found)
        for *row, key in _read(found, "number_key"):
            named[key].append(_Debit(*row))
    of_party: dict[int, list[_Debit]] = defaultdict(list)
    if parties:
        found = debits.filter(party_id__in=sorted(parties))
        read.append(found)
        for row in _read(found):
            ot = _Debit(*row)
            of_party[ot.party_id].append(ot)
    return StatementBook(
        named=named,
        of_party=of_party,
        periods=_periods_read(*read),
        iban_parties=iban_parties,
        names=names,
        customers=_payment_customers(
            payment_entity_id, _parties_of(named.values(), of_party.values())
        ),
        entities=entities,
    )


def _parties_of(*groups: Iterable[list[_Debit]]) -> set[int]:
    return {ot.party_id for group in groups for ots in group for ot in ots}


def _payment_customers(entity_id: int, parties: set[int]) -> dict[int, int]:
    """Each party's customer in the entity the payment is posted in (its first account)."""
    if not parties:
        return {}
    rows = (
        Customer.objects.filter(legal_entity_id=entity_id, party_id__in=sorted(parties))
        .order_by("party_id", "-id")
        .values_list("party_id", "id")
    )
    return dict(rows)  # the last of each party wins: its lowest id
