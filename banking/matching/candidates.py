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

from django.db.models import Exists, OuterRef, Q, QuerySet
from rapidfuzz import fuzz, process, utils

from core.money import ZERO
from entities.models import Customer, LegalEntity, Party, PartyBankAccount
from receivables.discounts import open_transaction_discount_amount
from receivables.models import OpenTransaction
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
    "kind",
    "document_number",
    "date",
    "due_date",
    "currency",
    "amount",
    "open_amount",
    "amount_before_tax",
    "disputed",
)


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
    every name processed once)."""

    def __init__(self, *, entity_ids: Collection[int] | None, currencies: Collection[str]):
        self._entity_ids = entity_ids
        self._currencies = currencies
        self._names: dict[int, str] | None = None
        self._found: dict[str, list[tuple[int, float]]] = {}

    def _load(self) -> dict[str, str]:
        if self._names is None:
            debits = open_debits(entity_ids=self._entity_ids, currencies=self._currencies)
            rows = Party.objects.filter(Exists(debits.filter(party_id=OuterRef("pk"))))
            self._names = {
                pk: utils.default_process(name) for pk, name in rows.values_list("id", "name")
            }
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
            self._found[query] = [(party, score) for _, score, party in found]
        return self._found[query]


class StatementBook:
    """The ``CandidateBook`` of a chunk of a statement's lines (see ``statement_book_load``)."""

    def __init__(
        self,
        *,
        named: dict[str, list[OpenTransaction]],
        of_party: dict[int, list[OpenTransaction]],
        iban_parties: dict[str, int],
        names: PartyNames,
        customers: dict[int, int],
        entities: dict[int, LegalEntity],
    ) -> None:
        self._named = named
        self._of_party = of_party
        self._iban_parties = iban_parties
        self._names = names
        self._customers = customers
        self._entities = entities
        self._candidates: dict[tuple[int, date], Candidate] = {}

    def _candidate(self, ot: OpenTransaction, on: date) -> Candidate:
        key = (ot.pk, on)
        if key not in self._candidates:
            entity = self._entities[ot.legal_entity_id]
            ot.legal_entity = entity  # what the discount module reads, without a query
            # Tolerances are set in accounting currency: in another currency none is taken.
            same = ot.currency == entity.accounting_currency
            self._candidates[key] = Candidate(
                transaction=ot.pk,
                party=ot.party_id,
                customer=ot.customer_id,
                legal_entity=ot.legal_entity_id,
                document_number=ot.document_number,
                currency=ot.currency,
                open_amount=ot.open_amount,
                discount=open_transaction_discount_amount(ot, on=on),
                max_underpayment=entity.max_underpayment if same else ZERO,
                max_overpayment=entity.max_overpayment if same else ZERO,
                due_date=ot.due_date,
                disputed=ot.disputed,
            )
        return self._candidates[key]

    def candidates_by_keys(self, keys: Collection[str], *, on: date) -> list[Candidate]:
        seen: dict[int, Candidate] = {}
        for key in keys:
            for ot in self._named.get(key, ()):
                seen.setdefault(ot.pk, self._candidate(ot, on))
        return list(seen.values())

    def party_of_iban(self, iban: str) -> int | None:
        return self._iban_parties.get(iban_compact(iban))

    def open_debits(self, party: int, *, on: date) -> list[Candidate]:
        return [self._candidate(ot, on) for ot in self._of_party.get(party, ())]

    def parties_by_name(self, name: str) -> list[tuple[int, float]]:
        return self._names.search(name)

    def payment_customer(self, party: int) -> int | None:
        return self._customers.get(party)


def _read(qs: QuerySet) -> list[OpenTransaction]:
    return list(qs.only(*_FIELDS).prefetch_related("cash_discounts").order_by("due_date", "id"))


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
    named: dict[str, list[OpenTransaction]] = defaultdict(list)
    if keys:
        found = debits.annotate(number_key=DOCUMENT_NUMBER_KEY).filter(number_key__in=keys)
        for ot in _read(found):
            named[ot.number_key].append(ot)
    of_party: dict[int, list[OpenTransaction]] = defaultdict(list)
    if parties:
        for ot in _read(debits.filter(party_id__in=sorted(parties))):
            of_party[ot.party_id].append(ot)
    return StatementBook(
        named=named,
        of_party=of_party,
        iban_parties=iban_parties,
        names=names,
        customers=_payment_customers(
            payment_entity_id, _parties_of(named.values(), of_party.values())
        ),
        entities=entities,
    )


def _parties_of(*groups: Iterable[list[OpenTransaction]]) -> set[int]:
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
