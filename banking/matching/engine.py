"""The matching rules (SPEC section 10), as pure functions: a line's facts and a book of
candidates in, proposals out, best first. No database: ``candidates`` reads the book.

Rules, strongest first, and the confidence each gives (0-100; a line whose best proposal
reaches its entity's threshold, 95 by default, is matched without review):

1. ``reference``: an RF reference or a document number the line names, the amount agreeing:
   the open amount 100, the open amount less the cash discount available on the value date 99,
   within the underpayment or overpayment tolerance 96; several named invoices of one party
   adding up 100 (99 with their discounts; 90 when only some of the named ones do). A named
   invoice whose amount disagrees: a partial settlement suggestion, 60.
2. ``iban``: the counterparty IBAN identifies the party and exactly one of its open debits
   agrees (open, or open less its discount) 95.
3. ``combination``: the party is known (IBAN 85, name similarity ≥ 90: 80) and two to five of
   its oldest open debits (each open, or each less its discount) add up to the amount.
4. ``name``: name similarity ≥ 90 and exactly one open debit of those parties agrees, 75.

Two candidates that fit equally are a tie: each is proposed with ``tie`` set and confidence 50,
never matched. Open transactions in dispute are only taken when named (rule 1), and then at
most 90, for review. A reference that names an open invoice but disagrees on the amount holds
every other proposal of the line at 90 at most: the payer said which invoice.

Rules 3 and 4 search the names of every party with open debits. A line whose reference already
settles it (its best proposal reaches the threshold, is no tie, and is above anything a name
rule gives) is not searched: names could only add alternatives below it
(``name_search_needed``). In the same way, with a threshold, the IBAN rules are left out for a
line its reference settles above anything they give (``reference_settles``).
``line_propose_reference``, ``line_propose_known`` and ``line_propose_by_name`` are the steps,
for a caller that reads the parties of many lines at once and searches their names together."""

from collections.abc import Container, Sequence
from dataclasses import dataclass, replace

from .facts import (
    IBAN_RULES_MAX,
    NAME_RULES_MAX,
    NAME_SIMILARITY_MIN,
    REFERENCE_PARTIAL,
    REVIEW_CAP,
    Candidate,
    CandidateBook,
    LineFacts,
    Proposal,
    name_similarity,
)
from .rules import PartyDebits, party_rules, reference_rule

__all__ = [
    "Candidate",
    "CandidateBook",
    "LineFacts",
    "KnownProposals",
    "Proposal",
    "ReferenceProposals",
    "line_propose",
    "line_propose_by_name",
    "line_propose_known",
    "line_propose_reference",
    "name_search_needed",
    "proposal_accepted",
    "reference_settles",
    "line_reference_keys",
    "name_similarity",
]


def line_reference_keys(line: LineFacts) -> list[str]:
    """The document number keys the line names (``references.reference_keys``)."""
    return line.reference_keys


@dataclass(frozen=True)
class KnownProposals:
    """A line's proposals from the rules that need no search of party names: its references
    (rule 1) and, when its IBAN gives the party, rules 2 and 3. ``by_name``: the IBAN gives no
    party and the line carries a name (rules 3 and 4 would look the party up by name)."""

    proposals: list[Proposal]
    disagreed: bool  # a named invoice disagrees on the amount: the others held below
    by_name: bool

    def ranked(self, more: Sequence[Proposal] = ()) -> list[Proposal]:
        """These proposals with ``more`` (of the name rules), held below the threshold when a
        named invoice disagrees, best first."""
        proposals = [*self.proposals, *more]
        if self.disagreed:
            proposals = [
                p if p.rule == "reference" else replace(p, confidence=min(p.confidence, REVIEW_CAP))
                for p in proposals
            ]
        return _ranked(proposals)


def _usable(line: LineFacts, candidates: Sequence[Candidate], taken: Container[int]):
    return [c for c in candidates if c.currency == line.currency and c.transaction not in taken]


def _party_debits(line: LineFacts, book: CandidateBook, taken: Container[int]) -> PartyDebits:
    """A party's open debits as rules 2 to 4 take them: in the line's currency, not taken, not
    in dispute; with ``paying``, at least those that may pay the line's amount."""
    on = line.value_date

    def debits(party: int, *, paying: bool) -> list[Candidate]:
        found = (
            book.open_debits_paying(party, line.amount, on=on)
            if paying
            else book.open_debits(party, on=on)
        )
        return [c for c in _usable(line, found, taken) if not c.disputed]

    return debits


@dataclass(frozen=True)
class ReferenceProposals:
    """A line's proposals of rule 1 (its references), and the transactions its references name
    (taken or not): they are the same for the line as long as none of those is taken."""

    proposals: list[Proposal]
    disagreed: bool  # a named invoice disagrees on the amount: the others held below
    named: frozenset[int]


def line_propose_reference(
    line: LineFacts, book: CandidateBook, taken: Container[int]
) -> ReferenceProposals:
    """Rule 1 for the line, never with a transaction in ``taken``."""
    keys = line.reference_keys
    if line.amount <= 0 or not keys:
        return ReferenceProposals([], disagreed=False, named=frozenset())
    named = book.candidates_by_keys(keys, on=line.value_date)
    usable = _usable(line, named, taken)
    found = reference_rule(line, usable, book) if usable else []
    disagreed = bool(found) and found[0].confidence == REFERENCE_PARTIAL
    return ReferenceProposals(found, disagreed, frozenset(c.transaction for c in named))


def reference_settles(reference: ReferenceProposals, *, threshold: int) -> bool:
    """Whether the line's reference settles it whatever the IBAN rules give: its best proposal
    reaches the threshold, is no tie and is above anything those rules give
    (``IBAN_RULES_MAX``, itself above what a name rule gives). They could then only add
    alternatives below it, never change the best, the status or what is marked."""
    ranked = _ranked(list(reference.proposals))
    if not ranked:
        return False
    best = ranked[0]
    return not best.tie and best.confidence >= threshold and best.confidence > IBAN_RULES_MAX


def line_propose_known(
    line: LineFacts,
    book: CandidateBook,
    taken: Container[int],
    *,
    threshold: int | None = None,
    reference: ReferenceProposals | None = None,
) -> KnownProposals:
    """Rules 1 to 3 as far as they need no search of names (see ``KnownProposals``), never with a
    transaction in ``taken``. ``reference``: rule 1's proposals when the caller has them
    (``line_propose_reference`` with the same ``taken``). With ``threshold``, rules 2 and 3 are
    left out when the reference settles the line (``reference_settles``)."""
    if line.amount <= 0:
        return KnownProposals([], disagreed=False, by_name=False)
    if reference is None:
        reference = line_propose_reference(line, book, taken)
    proposals: list[Proposal] = list(reference.proposals)
    party = book.party_of_iban(line.counterparty_iban) if line.counterparty_iban else None
    settled = threshold is not None and reference_settles(reference, threshold=threshold)
    if party is not None and not settled:
        debits = _party_debits(line, book, taken)
        proposals.extend(party_rules(line, [party], debits, book, by="iban"))
    by_name = party is None and bool(line.counterparty_name.strip())
    return KnownProposals(proposals, disagreed=reference.disagreed, by_name=by_name)


def name_search_needed(known: KnownProposals, *, threshold: int) -> bool:
    """Whether the line's party is to be searched by name: it may be (``by_name``) and its known
    proposals do not settle it. They settle it when the best reaches the threshold, is no tie
    and is above anything a name rule gives (``NAME_RULES_MAX``): the name rules could then only
    add alternatives below it, never change the best, the status or what is marked."""
    if not known.by_name:
        return False
    ranked = known.ranked()
    if not ranked:
        return True
    best = ranked[0]
    return best.tie or best.confidence < threshold or best.confidence <= NAME_RULES_MAX


def line_propose_by_name(
    line: LineFacts, book: CandidateBook, taken: Container[int], known: KnownProposals
) -> list[Proposal]:
    """The line's proposals, best first: ``known`` (``line_propose_known``) with those of
    rules 3 and 4 for the parties whose names score at least ``NAME_SIMILARITY_MIN`` against
    the line's, never with a transaction in ``taken``."""
    parties = [
        p for p, s in book.parties_by_name(line.counterparty_name) if s >= NAME_SIMILARITY_MIN
    ]
    debits = _party_debits(line, book, taken)
    return known.ranked(party_rules(line, parties, debits, book, by="name"))


def line_propose(
    line: LineFacts, book: CandidateBook, taken: Container[int], *, threshold: int | None = None
) -> list[Proposal]:
    """The proposals for a credit line, best first, never with a transaction in ``taken``. With
    ``threshold`` (the entity's auto-match threshold), the IBAN rules are left out for a line
    its reference settles (``reference_settles``), and the name rules for a line its reference
    or IBAN settles (``name_search_needed``)."""
    known = line_propose_known(line, book, taken, threshold=threshold)
    if not known.by_name:
        return known.ranked()
    if threshold is not None and not name_search_needed(known, threshold=threshold):
        return known.ranked()
    return line_propose_by_name(line, book, taken, known)


def proposal_accepted(proposals: Sequence[Proposal], *, threshold: int) -> Proposal | None:
    """The proposal that matches the line without review: the best, when it reaches the
    threshold and is no tie."""
    if not proposals or proposals[0].tie or proposals[0].confidence < threshold:
        return None
    return proposals[0]


def _ranked(proposals: list[Proposal]) -> list[Proposal]:
    """Best first (ties after the others of equal confidence); one proposal per set of
    transactions, the strongest."""
    ordered = sorted(proposals, key=lambda p: (-p.confidence, p.tie))
    seen: set[frozenset[int]] = set()
    kept = []
    for proposal in ordered:
        key = frozenset(t for t, _, _ in proposal.transactions)
        if key not in seen:
            seen.add(key)
            kept.append(proposal)
    return kept
