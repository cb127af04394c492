"""The party names matching searches (rules 3 and 4): read from the database once per match,
only when a line needs them, possibly on a second connection (``core.aside``), and searched with
``names.NameIndex``."""

from collections.abc import Collection, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait

from django.db.models import Exists, OuterRef
from rapidfuzz import utils

from core.aside import aside, aside_possible
from entities.models import Party

from ..sql import jit_off
from .debits import open_debits
from .facts import NAME_SIMILARITY_MIN
from .names import NameIndex

NAME_MATCHES_KEPT = 10  # parties a name may point at


class PartyNames:
    """The names of the parties with open debits in the user's entities, read once and only
    when a line needs them, searched by name similarity (``engine.name_similarity``, with
    every name processed once, in a ``names.NameIndex`` that scores only the names that can
    reach ``NAME_SIMILARITY_MIN``)."""

    def __init__(self, *, entity_ids: Collection[int] | None, currencies: Collection[str]):
        self._entity_ids = entity_ids
        self._currencies = currencies
        self._parties: list[int] = []
        self._index: NameIndex | None = None
        self._reading: Future[tuple[list[int], list[str]]] | None = None
        self._found: dict[str, list[tuple[int, float]]] = {}

    @property
    def currencies(self) -> list[str]:
        return sorted(self._currencies)

    def discard(self) -> None:
        """Not needed after all: wait for a read aside to end (its thread and connection with
        it), whatever it gave."""
        if self._reading is not None:
            wait([self._reading])
            self._reading = None

    def read_aside(self) -> None:
        """Start reading the names on a second connection, where that is possible
        (``core.aside``): the caller reads its debits meanwhile, and a search waits for them."""
        if self._index is None and self._reading is None and aside_possible():
            self._reading = aside(self._read, name="party-names")

    def _read(self) -> tuple[list[int], list[str]]:
        """The parties with open debits and their names, processed."""
        debits = open_debits(entity_ids=self._entity_ids, currencies=self._currencies)
        rows = Party.objects.filter(Exists(debits.filter(party_id=OuterRef("pk"))))
        parties, names = [], []
        with jit_off():
            for pk, name in rows.values_list("id", "name"):
                parties.append(pk)
                names.append(utils.default_process(name))
        return parties, names

    def _load(self) -> NameIndex:
        """The index, built here once the names are read (by the caller, who waits for them
        anyway, rather than aside while the caller computes)."""
        if self._index is None:
            if self._reading is not None:
                self._parties, names = self._reading.result()
                self._reading = None
            else:
                self._parties, names = self._read()
            self._index = NameIndex(names)
        return self._index

    def found_meanwhile(self, names: Iterable[str], other: Future) -> None:
        """Search ``names`` (``found``) while ``other`` runs and as far as it runs: the caller
        waits for it anyway. Stops as soon as it is done, even while the names are still being
        read (aside), so the caller goes on with what ``other`` gives."""
        for name in names:
            if self._index is None and self._reading is not None:
                wait([self._reading, other], return_when=FIRST_COMPLETED)
            if other.done():
                return
            self.found(name)

    def found(self, name: str) -> list[tuple[int, float]]:
        """``search``, once per name."""
        query = utils.default_process(name)
        if query not in self._found:
            self._found[query] = self.search(query)
        return self._found[query]

    def search(self, query: str) -> list[tuple[int, float]]:
        """(party, similarity) of the parties scoring at least ``NAME_SIMILARITY_MIN`` against
        ``query`` (processed), best first, at most ``NAME_MATCHES_KEPT``: what
        ``process.extract`` gives scoring every name."""
        found = self._load().search(query, cutoff=NAME_SIMILARITY_MIN, limit=NAME_MATCHES_KEPT)
        parties = self._parties
        return [(parties[index], score) for index, score in found]
