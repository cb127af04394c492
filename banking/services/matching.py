"""Matching a bank statement: each credit line's proposals from the matching rules
(``banking.matching``), and its status: ``matched`` (the best proposal reaches the bank
account's entity's auto-match threshold and is no tie; its transactions are marked),
``suggested`` (proposals below it) or ``unmatched`` (none).

Proposals are computed in chunks of lines, outside any transaction (a job reports progress as it
goes). The lines are written in one transaction (``matching_write``): every line of the
statement locked, any line the clerk posted, ignored or changed since it was read left alone,
then each chunk's outcomes, then the statement stamped and audited. Outside a transaction on
PostgreSQL that transaction runs on a connection of its own (``core.aside``) from the first
chunk computed, and a chunk is written while the next is computed: a clerk's change to a line of
the statement then waits for the match to end (a few seconds for 10,000 lines), as it would wait
for the write at the end. Otherwise it runs on the caller's connection once all are computed.
Debit lines are not matched here (a returned direct debit is matched by its end-to-end id) and
are left as they are.

The module stays whole (about 460 lines): the chunk loop, the references it takes ahead
(``_References``) and what it reads ahead (``_Wants``) share the lines as read (``_Line``) and
the positions at which each transaction was taken, and read apart they would each need the
others; the rules are in ``banking.matching``, the writing in ``matching_write``."""

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, wait
from dataclasses import fields
from functools import partial
from typing import NamedTuple

from core.access import ensure_can_act
from core.aside import aside_possible
from core.audit import Actor
from core.gc_pause import collector_paused
from core.jobs import JobProgress
from core.switching import switching_often
from entities.models import LegalEntity
from entities.selectors import granted_entity_ids

from ..matching.candidates import StatementBook, statement_book_load
from ..matching.engine import (
    LineFacts,
    Proposal,
    ReferenceProposals,
    line_propose_by_name,
    line_propose_known,
    line_propose_reference,
    name_search_needed,
    proposal_accepted,
    reference_settles,
)
from ..matching.facts import NAME_RULES_MAX
from ..matching.party_names import PartyNames
from ..models import BankStatement, BankStatementLine
from ..selectors import statement_names_may_be_searched
from ..sql import jit_off
from .matching_write import LineOutcome, computed_and_written, match_write

MATCH_CHUNK_LINES = 1_000


class _Line(NamedTuple):
    """A statement line as matching reads it (not a model instance: no proposals read)."""

    pk: int
    status: str
    marked_by_user: bool
    marked: list[dict]
    facts: LineFacts


_LINE_FIELDS = ("id", "status", "marked_by_user", "marked", *(f.name for f in fields(LineFacts)))


def _taken_by(lines: Sequence[_Line]) -> set[int]:
    return {int(m["transaction"]) for line in lines for m in line.marked if "transaction" in m}


def _outcome(proposals: list[Proposal], *, threshold: int, currency: str) -> LineOutcome:
    as_json = [p.as_json(currency) for p in proposals]
    if not proposals:
        return LineOutcome(BankStatementLine.Status.UNMATCHED, [], [], None)
    accepted = proposal_accepted(proposals, threshold=threshold)
    if accepted is None:
        return LineOutcome(BankStatementLine.Status.SUGGESTED, as_json, [], None)
    marked = [{**t, "full_settlement": False} for t in as_json[0]["transactions"]]
    return LineOutcome(BankStatementLine.Status.MATCHED, as_json, marked, accepted.customer)


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lines_in_play(statement: BankStatement) -> tuple[list[_Line], list[_Line]]:
    """(lines to match, lines whose marked transactions are taken): credit lines neither
    posted, ignored nor changed by the clerk, in sequence order; and the lines that keep what
    they hold (posted, or changed by the clerk)."""
    rows = (
        statement.lines.exclude(status=BankStatementLine.Status.IGNORED)
        .order_by("sequence")
        .values_list(*_LINE_FIELDS)
    )
    play, keep = [], []
    for pk, status, by_user, marked, *facts in rows:
        line = _Line(pk, status, by_user, marked, LineFacts(*facts))
        if status == BankStatementLine.Status.POSTED or by_user:
            keep.append(line)
        elif line.facts.amount > 0:
            play.append(line)
    return play, keep


class _TakenBefore:
    """The transactions taken before a position in the sequence of lines (``taken_at``: the
    position of the line that took each; -1 for those the kept lines hold)."""

    __slots__ = ("_taken_at", "_position")

    def __init__(self, taken_at: dict[int, int], position: int) -> None:
        self._taken_at = taken_at
        self._position = position

    def __contains__(self, transaction_id: object) -> bool:
        return self._taken_at.get(transaction_id, self._position) < self._position


def _proposals_compute(
    *,
    statement: BankStatement,
    lines: Sequence[_Line],
    taken: set[int],
    actor: Actor,
    progress: JobProgress | None,
    names: PartyNames | None = None,
) -> Iterator[dict[int, LineOutcome]]:
    """Each line's outcome, a chunk of lines at a time (the lines the names finish after the
    others), in sequence order: a line never takes what a line before it took (or what
    ``taken`` holds).

    The references of a chunk's lines are taken up to two chunks ahead, with what the lines
    before then took: a line's are taken again when a line after then and before it took a
    transaction they name (``_stale``). Per chunk of lines, the parties of the lines' IBANs are
    read for the lines their references do not settle (``reference_settles``), in one go; then
    the rules that need no search of names, line by line; then the names of the lines those
    rules do not settle (``name_search_needed``) are searched together, and those lines
    finished. When the threshold is above what a name rule gives, such a line is never matched
    (it takes nothing), so finishing it later changes nothing for the lines after it; it still
    sees only what the lines before it took. With a threshold at or below that, a name may match
    a line: the names are searched first, and each line finished in its turn.

    Where work may go aside (``core.aside``), the parties' debits of the next chunk are read
    on a connection of their own while a chunk is matched (``StatementBook.chunk_ahead``), as
    far as the references known then tell (a reference stale by then counts as not settling
    its line); what the chunk's lines want besides is read when the chunk is matched. The
    names of the chunk after it are searched before, so that the parties they point at are
    read ahead too.

    ``names``: the party names, maybe read ahead, used when they are of the lines' currencies."""
    account = statement.bank_account
    threshold = account.legal_entity.auto_match_threshold
    later = threshold > NAME_RULES_MAX
    entity_ids = granted_entity_ids(actor)
    entities = (
        LegalEntity.objects.all()
        if entity_ids is None
        else LegalEntity.objects.filter(pk__in=entity_ids)
    )
    currencies = sorted({line.facts.currency for line in lines})
    if names is None or names.currencies != currencies:
        if names is not None:
            names.discard()
        names = PartyNames(entity_ids=entity_ids, currencies=currencies)
    book = statement_book_load(
        lines=[line.facts for line in lines],
        entity_ids=entity_ids,
        entities={e.pk: e for e in entities},
        payment_entity_id=account.legal_entity_id,
        names=names,
    )
    taken_at = dict.fromkeys(taken, -1)
    chunks = list(_chunks(lines, MATCH_CHUNK_LINES))
    references = _References(book, chunks, taken_at)
    wants = _Wants(book, references, taken_at, threshold=threshold, later=later)
    position = 0
    references.take_until(1, 0)
    reading_ahead = aside_possible()
    ahead = wants.read_ahead(chunks[0], 0) if chunks and reading_ahead else None
    try:
        if len(chunks) > 1 and reading_ahead:
            wants.names_ahead(chunks[1], 0)
        for number, chunk in enumerate(chunks):
            outcomes: dict[int, LineOutcome] = {}
            start = position
            references.take_until(number + 2, start)
            book.chunk_read(wants.by_iban(chunk, start), ahead=ahead)
            ahead = None
            if number + 1 < len(chunks) and reading_ahead:
                ahead = wants.read_ahead(chunks[number + 1], start)
            if number + 2 < len(chunks) and reading_ahead:
                wants.names_ahead(chunks[number + 2], start)
            if not later:
                book.names_search(
                    line.facts
                    for line in chunk
                    if book.party_of_iban(line.facts.counterparty_iban) is None
                )
            waiting = []
            for line in chunk:
                before = _TakenBefore(taken_at, position)
                reference, since = references[line.pk]
                if _stale(reference, taken_at, since, position):
                    reference = None
                known = line_propose_known(
                    line.facts, book, before, threshold=threshold, reference=reference
                )
                if not name_search_needed(known, threshold=threshold):
                    proposals = known.ranked()
                elif later:
                    waiting.append((line, known, position))
                    position += 1
                    continue
                else:
                    proposals = line_propose_by_name(line.facts, book, before, known)
                outcomes[line.pk] = _outcome_taking(proposals, line, threshold, taken_at, position)
                position += 1
            if waiting:
                yield outcomes  # written meanwhile: the lines the names finish take nothing
                outcomes = {}
                book.names_search(line.facts for line, _, _ in waiting)
                for line, known, at in waiting:
                    before = _TakenBefore(taken_at, at)
                    proposals = line_propose_by_name(line.facts, book, before, known)
                    outcome = _outcome_taking(proposals, line, threshold, taken_at, at)
                    assert not outcome.marked, "a line the names finish is never matched"
                    outcomes[line.pk] = outcome
            references.forget(number)  # a match holds what two or three chunks need
            wants.forget(chunk)
            if progress is not None:
                progress.advance(len(chunk))
            yield outcomes
    finally:
        if ahead is not None:
            wait([ahead])  # its thread and connection end with the match


def _stale(
    reference: ReferenceProposals, taken_at: dict[int, int], since: int, position: int
) -> bool:
    """Whether a line from ``since`` (where the line's references were taken, with what the
    lines before it took) to ``position`` took a transaction ``reference`` names."""
    return any(since <= taken_at.get(t, position) < position for t in reference.named)


class _References:
    """The references of the lines (``line_propose_reference``), a chunk at a time, each with
    the position it was taken at."""

    def __init__(
        self, book: StatementBook, chunks: Sequence[Sequence[_Line]], taken_at: dict[int, int]
    ) -> None:
        self._book = book
        self._chunks = chunks
        self._taken_at = taken_at
        self._taken: dict[int, tuple[ReferenceProposals, int]] = {}
        self._until = -1  # the last chunk taken

    def take_until(self, last: int, position: int) -> None:
        """Take the references of the chunks up to ``last`` not taken yet, with what the lines
        before ``position`` took."""
        taken = _TakenBefore(self._taken_at, position)
        for number in range(self._until + 1, min(last, len(self._chunks) - 1) + 1):
            for line in self._chunks[number]:
                found = line_propose_reference(line.facts, self._book, taken)
                self._taken[line.pk] = (found, position)
            self._until = number

    def forget(self, number: int) -> None:
        for line in self._chunks[number]:
            del self._taken[line.pk]

    def __getitem__(self, pk: int) -> tuple[ReferenceProposals, int]:
        return self._taken[pk]


class _Wants:
    """What a chunk's lines want read, as far as their references tell at a position (stale
    references do not settle a line): the parties of their IBANs, and the searches of their
    names."""

    def __init__(
        self,
        book: StatementBook,
        references: _References,
        taken_at: dict[int, int],
        *,
        threshold: int,
        later: bool,
    ) -> None:
        self._book = book
        self._references = references
        self._taken_at = taken_at
        self._threshold = threshold
        self._later = later
        # Per line, whether its references (not stale) settle it, by the IBAN rules' standard
        # and by the names' (computed once: each chunk is looked at more than once).
        self._settles: dict[int, bool] = {}
        self._searches: dict[int, bool] = {}

    def _settled(self, line: _Line, position: int) -> bool:
        reference, since = self._references[line.pk]
        if _stale(reference, self._taken_at, since, position):
            return False
        settles = self._settles.get(line.pk)
        if settles is None:
            settles = self._settles[line.pk] = reference_settles(
                reference, threshold=self._threshold
            )
        return settles

    def _searched(self, line: _Line, position: int) -> bool:
        """Whether the line's name will be searched, as far as its references tell; its IBAN
        gives no party."""
        if not self._later:
            return True
        reference, since = self._references[line.pk]
        if _stale(reference, self._taken_at, since, position):
            return True  # as far as they tell: taken again, they may not settle it
        searched = self._searches.get(line.pk)
        if searched is None:
            # No party by IBAN: the known proposals are the references' (nothing is read).
            known = line_propose_known(
                line.facts, self._book, (), threshold=self._threshold, reference=reference
            )
            searched = self._searches[line.pk] = name_search_needed(
                known, threshold=self._threshold
            )
        return searched

    def by_iban(self, chunk: Sequence[_Line], position: int) -> list[LineFacts]:
        """The lines whose IBAN's party's debits are wanted: those their references do not
        settle (``chunk_read`` reads the parties of those with a known IBAN)."""
        return [line.facts for line in chunk if not self._settled(line, position)]

    def by_name(self, chunk: Sequence[_Line], position: int) -> list[LineFacts]:
        """The lines whose names will be searched: no party by IBAN, and (when the names are
        searched after the other rules) their references do not settle them by the names'
        standard (``name_search_needed``)."""
        party_of_iban = self._book.party_of_iban
        return [
            line.facts
            for line in chunk
            if party_of_iban(line.facts.counterparty_iban) is None
            and self._searched(line, position)
        ]

    def forget(self, chunk: Sequence[_Line]) -> None:
        for line in chunk:
            self._settles.pop(line.pk, None)
            self._searches.pop(line.pk, None)

    def names_ahead(self, chunk: Sequence[_Line], position: int) -> None:
        """Search the names of ``chunk`` that will be searched (``PartyNames`` keeps them)."""
        for line in self.by_name(chunk, position):
            if line.counterparty_name.strip():
                self._book.parties_by_name(line.counterparty_name)

    def read_ahead(self, chunk: Sequence[_Line], position: int) -> Future | None:
        """Start reading on a connection of its own the parties' debits ``chunk`` will want
        (``StatementBook.chunk_ahead``; names not searched yet are searched now); ``None``
        where work may not go aside."""
        book = self._book
        by_iban = [
            line
            for line in self.by_iban(chunk, position)
            if book.party_of_iban(line.counterparty_iban) is not None
        ]
        return book.chunk_ahead(by_iban, book.names_wanted(self.by_name(chunk, position)))


def _outcome_taking(
    proposals: list[Proposal],
    line: _Line,
    threshold: int,
    taken_at: dict[int, int],
    position: int,
) -> LineOutcome:
    """The line's outcome; what it marks is taken at its position."""
    outcome = _outcome(proposals, threshold=threshold, currency=line.facts.currency)
    for m in outcome.marked:
        taken_at[int(m["transaction"])] = position
    return outcome


def statement_match(
    *, statement: BankStatement, actor: Actor, progress: JobProgress | None = None
) -> BankStatement:
    """Match the statement's credit lines (see the module's docstring); the statement back,
    with ``matched_at`` set. Refused unless ``actor`` may act in the bank account's entity;
    candidates come from every entity ``actor`` may act in."""
    statement = BankStatement.objects.select_related("bank_account__legal_entity").get(
        pk=statement.pk
    )
    ensure_can_act(actor, statement.bank_account.legal_entity, field="statement")
    with collector_paused():  # tens of thousands of candidates and proposals, no cycles
        if aside_possible():
            # The threads reading and writing aside get their turns soon after their queries.
            with switching_often():
                _match_aside(statement, actor, progress)
        else:
            _match_here(statement, actor, progress)
    return statement


def _match_here(statement: BankStatement, actor: Actor, progress: JobProgress | None) -> None:
    """Compute every chunk, then write them, on the caller's connection."""
    lines, keep = _lines_in_play(statement)
    if progress is not None:
        progress.set_total(len(lines))
    write = partial(match_write, statement, _statuses(lines), actor=actor, progress=progress)
    with jit_off():
        outcomes = list(
            _proposals_compute(
                statement=statement,
                lines=lines,
                taken=_taken_by(keep),
                actor=actor,
                progress=progress,
            )
        )
    write(outcomes)


def _statuses(lines: Sequence[_Line]) -> dict[int, str]:
    return {line.pk: line.status for line in lines}


def _match_aside(statement: BankStatement, actor: Actor, progress: JobProgress | None) -> None:
    """Compute the chunks here and write them on a connection of their own as they come. When a line
    will search the party names, they are read on a third from the start."""
    names = None
    if statement_names_may_be_searched(statement):
        names = PartyNames(entity_ids=granted_entity_ids(actor), currencies=[statement.currency])
        names.read_aside()
    try:
        lines, keep = _lines_in_play(statement)
        currencies = sorted({line.facts.currency for line in lines})
        if names is None or names.currencies != currencies:
            if names is not None:
                names.discard()
            names = PartyNames(entity_ids=granted_entity_ids(actor), currencies=currencies)
        if progress is not None:
            progress.set_total(len(lines))
        write = partial(match_write, statement, _statuses(lines), actor=actor, progress=progress)
        computed_and_written(
            write,
            partial(
                _proposals_compute,
                statement=statement,
                lines=lines,
                taken=_taken_by(keep),
                actor=actor,
                progress=progress,
                names=names,
            ),
        )
    finally:
        if names is not None:
            names.discard()  # read for lines their references settled after all
