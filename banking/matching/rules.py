"""The four matching rules (see ``engine``), each from a line and its candidates to proposals.
Pure functions, no database."""

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from core.money import ZERO

from .combinations import combinations_summing
from .facts import (
    COMBINATION_IBAN,
    COMBINATION_MAX_DEBITS,
    COMBINATION_MAX_ITEMS,
    COMBINATION_NAME,
    FIT_RANK,
    IBAN_AMOUNT,
    NAME_AMOUNT,
    REFERENCE_DISCOUNT,
    REFERENCE_EXACT,
    REFERENCE_MAX_COMBINED,
    REFERENCE_PARTIAL,
    REFERENCE_SOME,
    REFERENCE_TOLERANCE,
    REVIEW_CAP,
    TIE,
    TIE_SHOWN,
    Candidate,
    CandidateBook,
    Fit,
    LineFacts,
    Proposal,
    amount_fit,
    money,
    numbers,
    units,
)

Pick = tuple[Candidate, Decimal, Decimal]  # a candidate, the cash applied, the discount taken


class PartyDebits(Protocol):
    def __call__(self, party: int, *, paying: bool) -> list[Candidate]: ...


def _proposal(
    rule: str,
    confidence: int,
    reason: str,
    picks: Sequence[Pick],
    book: CandidateBook,
    *,
    tie: bool = False,
) -> Proposal:
    disputed = [c for c, _, _ in picks if c.disputed]
    if disputed:
        confidence = min(confidence, REVIEW_CAP)
        reason = f"{reason} {numbers(disputed)} in dispute: to review."
    first = picks[0][0]
    customer = book.payment_customer(first.party) or first.customer
    return Proposal(
        rule=rule,
        confidence=confidence,
        reason=reason,
        customer=customer,
        tie=tie,
        transactions=tuple((c.transaction, amount, discount) for c, amount, discount in picks),
    )


def _tie(rule: str, reason: str, alternatives: Sequence[Sequence[Pick]], book) -> list[Proposal]:
    """One proposal per alternative (the first few), each marked as a tie."""
    shown = alternatives[:TIE_SHOWN]
    texts = [" + ".join(c.document_number for c, _, _ in picks) for picks in shown]
    names = texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} and {texts[-1]}"
    more = len(alternatives) - len(shown)
    text = f"{reason}: tie between {names}" + (f" (and {more} more)" if more > 0 else "") + "."
    return [_proposal(rule, TIE, text, picks, book, tie=True) for picks in shown]


def _fit_reason(line: LineFacts, c: Candidate, fit: Fit) -> str:
    cur, paid = line.currency, money(line.amount, line.currency)
    opened = money(c.open_amount, cur)
    if fit.kind == "exact":
        return f"{paid} is its open amount."
    if fit.kind == "discount":
        return (
            f"{paid} is its open amount {opened} less the cash discount "
            f"{money(fit.discount, cur)} available on {line.value_date.isoformat()}."
        )
    if fit.kind == "underpayment":
        return (
            f"{paid} is {money(c.open_amount - line.amount, cur)} short of its open amount "
            f"{opened}, within the underpayment tolerance {money(c.max_underpayment, cur)}."
        )
    return (
        f"{paid} is {money(line.amount - c.open_amount, cur)} over its open amount {opened}, "
        f"within the overpayment tolerance {money(c.max_overpayment, cur)}."
    )


_REFERENCE_CONFIDENCE = {
    "exact": REFERENCE_EXACT,
    "discount": REFERENCE_DISCOUNT,
    "underpayment": REFERENCE_TOLERANCE,
    "overpayment": REFERENCE_TOLERANCE,
}


def _best_fits(candidates: Sequence[Candidate], amount: Decimal, *, tolerance: bool):
    """The candidates the amount agrees with best: paying the open amount or the open amount
    less the discount (one invoice paid in full and another paid less its discount are a tie),
    else within a tolerance."""
    fits = [(c, f) for c in candidates if (f := amount_fit(c, amount, tolerance=tolerance))]
    if not fits:
        return []
    rank = min(FIT_RANK[f.kind] for _, f in fits)
    return [(c, f) for c, f in fits if FIT_RANK[f.kind] == rank]


def combinations_of(
    debits: Sequence[Candidate], amount: Decimal, *, min_items: int = 2
) -> list[tuple[list[Candidate], bool]]:
    """Up to two distinct sets of ``debits`` adding up to ``amount``, each set with whether it
    does so each less its discount (else each at its open amount). Both readings are searched:
    one set at open amounts and another less discounts is a tie too."""
    target = units(amount)
    found: dict[frozenset[int], tuple[list[Candidate], bool]] = {}
    for with_discount in (False, True):
        if with_discount and not any(c.discount for c in debits):
            break
        values = [units(c.due if with_discount else c.open_amount) for c in debits]
        for combo in combinations_summing(
            values, target, min_items=min_items, max_items=COMBINATION_MAX_ITEMS
        ):
            chosen = [debits[i] for i in combo]
            found.setdefault(frozenset(c.transaction for c in chosen), (chosen, with_discount))
    return list(found.values())[:2]


def _picks(candidates: Sequence[Candidate], with_discount: bool) -> list[Pick]:
    if with_discount:
        return [(c, c.due, c.discount) for c in candidates]
    return [(c, c.open_amount, ZERO) for c in candidates]


def reference_rule(line: LineFacts, named: Sequence[Candidate], book) -> list[Proposal]:
    """Rule 1: the open debits the line names (``named``: in its currency, not taken)."""
    best = _best_fits(named, line.amount, tolerance=True)
    if len(best) == 1:
        c, fit = best[0]
        reason = f"Reference to {c.document_number}; {_fit_reason(line, c, fit)}"
        confidence = _REFERENCE_CONFIDENCE[fit.kind]
        return [_proposal("reference", confidence, reason, [(c, fit.amount, fit.discount)], book)]
    if best:
        alternatives = [[(c, f.amount, f.discount)] for c, f in best]
        paid = money(line.amount, line.currency)
        reason = f"Reference to {numbers([c for c, _ in best])}, each agreeing with {paid}"
        return _tie("reference", reason, alternatives, book)
    return _reference_combined(line, named, book) or [_reference_partial(line, named, book)]


def _by_party(candidates: Sequence[Candidate]) -> dict[int, list[Candidate]]:
    groups: dict[int, list[Candidate]] = defaultdict(list)
    for c in sorted(candidates, key=lambda c: (c.due_date, c.document_number)):
        groups[c.party].append(c)
    return groups


def _reference_combined(line: LineFacts, named: Sequence[Candidate], book) -> list[Proposal]:
    """Several named invoices of one party whose amounts add up to the line's."""
    found = []
    for debits in _by_party(named).values():
        debits = debits[:REFERENCE_MAX_COMBINED]
        if len(debits) >= 2:
            found.extend(combinations_of(debits, line.amount))
    if not found:
        return []
    paid = money(line.amount, line.currency)
    if len(found) > 1:
        alternatives = [_picks(cs, d) for cs, d in found]
        return _tie(
            "reference",
            f"{paid} adds up from several sets of the named invoices",
            alternatives,
            book,
        )
    chosen, with_discount = found[0]
    everything = len(chosen) == len(named)
    if not everything:
        confidence = REFERENCE_SOME
    else:
        confidence = REFERENCE_DISCOUNT if with_discount else REFERENCE_EXACT
    reason = f"Reference to {numbers(chosen)}; {paid} is their open amounts together"
    if with_discount:
        discount = sum((c.discount for c in chosen), ZERO)
        reason += (
            f" less their cash discounts {money(discount, line.currency)} available on "
            f"{line.value_date.isoformat()}"
        )
    if not everything:
        others = [c for c in named if c not in chosen]
        reason += f"; {numbers(others)} also named, not paid"
    return [_proposal("reference", confidence, reason + ".", _picks(chosen, with_discount), book)]


def _reference_partial(line: LineFacts, named: Sequence[Candidate], book) -> Proposal:
    """A named invoice whose amount disagrees: the line's amount applied to the named invoices
    of the first party (oldest first), never closing one it does not pay in full."""
    debits = next(iter(_by_party(named).values()))
    left = line.amount
    picks: list[Pick] = []
    for c in debits:
        if left <= 0:
            break
        applied = min(left, c.open_amount)
        picks.append((c, applied, ZERO))
        left -= applied
    cur = line.currency
    opened = sum((c.open_amount for c in debits), ZERO)
    reason = (
        f"Reference to {numbers(debits)}, open {money(opened, cur)}, but "
        f"{money(line.amount, cur)} paid: "
    )
    if left > 0:
        reason += f"settles it and leaves {money(left, cur)} of the payment open."
    else:
        reason += f"a partial settlement, {money(opened - line.amount, cur)} left open."
    return _proposal("reference", REFERENCE_PARTIAL, reason, picks, book)


def party_rules(
    line: LineFacts, parties: Sequence[int], debits: PartyDebits, book, *, by: str
) -> list[Proposal]:
    """Rules 2 to 4 for the parties the line's IBAN (``by`` "iban") or name (``by`` "name")
    points at. ``debits(party, paying=…)``: the party's open debits in the line's currency, not
    taken, not in dispute; with ``paying`` at least those that may pay the line's amount (the
    combinations, searched only when no single debit agrees, need them all)."""
    paid = money(line.amount, line.currency)
    who = "The IBAN belongs to the party" if by == "iban" else "The name matches the party"
    every = [c for party in parties for c in debits(party, paying=True)]
    best = _best_fits(every, line.amount, tolerance=False)
    rule, confidence = ("iban", IBAN_AMOUNT) if by == "iban" else ("name", NAME_AMOUNT)
    if len(best) == 1:
        c, fit = best[0]
        reason = f"{who} of {c.document_number}; {_fit_reason(line, c, fit)}"
        return [_proposal(rule, confidence, reason, [(c, fit.amount, fit.discount)], book)]
    if best:
        alternatives = [[(c, f.amount, f.discount)] for c, f in best]
        return _tie(rule, f"{who}; {paid} agrees with several open debits", alternatives, book)
    found = []
    for party in parties:
        oldest = sorted(debits(party, paying=False), key=lambda c: (c.due_date, c.transaction))
        found.extend(combinations_of(oldest[:COMBINATION_MAX_DEBITS], line.amount))
    if not found:
        return []
    if len(found) > 1:
        alternatives = [_picks(cs, d) for cs, d in found]
        return _tie(
            "combination",
            f"{who}; {paid} adds up from several sets of open debits",
            alternatives,
            book,
        )
    chosen, with_discount = found[0]
    reason = f"{who} of {numbers(chosen)}; {paid} is their open amounts together"
    if with_discount:
        reason += f" less their cash discounts available on {line.value_date.isoformat()}"
    confidence = COMBINATION_IBAN if by == "iban" else COMBINATION_NAME
    return [_proposal("combination", confidence, reason + ".", _picks(chosen, with_discount), book)]
