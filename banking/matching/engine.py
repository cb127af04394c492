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
every other proposal of the line at 90 at most: the payer said which invoice."""

from collections.abc import Sequence
from dataclasses import replace

from .facts import (
    NAME_SIMILARITY_MIN,
    REFERENCE_PARTIAL,
    REVIEW_CAP,
    Candidate,
    CandidateBook,
    LineFacts,
    Proposal,
    name_similarity,
)
from .references import reference_keys
from .rules import party_rules, reference_rule

__all__ = [
    "Candidate",
    "CandidateBook",
    "LineFacts",
    "Proposal",
    "line_propose",
    "proposal_accepted",
    "line_reference_keys",
    "name_similarity",
]


def line_reference_keys(line: LineFacts) -> list[str]:
    """The document number keys the line names (``references.reference_keys``)."""
    return reference_keys(
        remittance_info=line.remittance_info, structured_reference=line.structured_reference
    )


def line_propose(line: LineFacts, book: CandidateBook, taken: set[int]) -> list[Proposal]:
    """The proposals for a credit line, best first, never with a transaction in ``taken``."""
    if line.amount <= 0:
        return []
    on = line.value_date

    def usable(candidates: Sequence[Candidate]) -> list[Candidate]:
        return [c for c in candidates if c.currency == line.currency and c.transaction not in taken]

    proposals: list[Proposal] = []
    keys = line_reference_keys(line)
    named = usable(book.candidates_by_keys(keys, on=on)) if keys else []
    disagreed = False
    if named:
        found = reference_rule(line, named, book)
        disagreed = bool(found) and found[0].confidence == REFERENCE_PARTIAL
        proposals.extend(found)
    party = book.party_of_iban(line.counterparty_iban) if line.counterparty_iban else None
    if party is not None:
        debits = [c for c in usable(book.open_debits(party, on=on)) if not c.disputed]
        proposals.extend(party_rules(line, {party: debits}, book, by="iban"))
    elif line.counterparty_name.strip():
        parties = [
            p for p, s in book.parties_by_name(line.counterparty_name) if s >= NAME_SIMILARITY_MIN
        ]
        debits_of = {
            p: [c for c in usable(book.open_debits(p, on=on)) if not c.disputed] for p in parties
        }
        proposals.extend(party_rules(line, debits_of, book, by="name"))
    if disagreed:
        proposals = [
            p if p.rule == "reference" else replace(p, confidence=min(p.confidence, REVIEW_CAP))
            for p in proposals
        ]
    return _ranked(proposals)


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
