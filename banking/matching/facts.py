"""The facts the matching rules work on: a line, its candidates and the proposals, with the
confidence of each rule and how an amount agrees with a candidate. Pure, no database."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple, Protocol

from rapidfuzz import fuzz, utils

from core.money import AMOUNT_DECIMAL_PLACES, ZERO, format_amount

from .references import reference_keys

REFERENCE_EXACT = 100
REFERENCE_DISCOUNT = 99
REFERENCE_TOLERANCE = 96
REFERENCE_SOME = 90
REFERENCE_PARTIAL = 60
IBAN_AMOUNT = 95
COMBINATION_IBAN = 85
COMBINATION_NAME = 80
NAME_AMOUNT = 75
TIE = 50
NAME_RULES_MAX = max(COMBINATION_NAME, NAME_AMOUNT, TIE)  # the most a name rule gives
IBAN_RULES_MAX = max(IBAN_AMOUNT, COMBINATION_IBAN, TIE)  # the most an IBAN rule gives
REVIEW_CAP = 90  # disputed items, and other proposals when a named invoice disagrees

NAME_SIMILARITY_MIN = 90
COMBINATION_MAX_ITEMS = 5
COMBINATION_MAX_DEBITS = 40  # the oldest open debits of a party searched for a combination
REFERENCE_MAX_COMBINED = 12  # named invoices searched for a combination
TIE_SHOWN = 3  # alternatives of a tie proposed
_SCALE = Decimal(10) ** AMOUNT_DECIMAL_PLACES


@dataclass(frozen=True)
class LineFacts:
    amount: Decimal  # positive for a credit line
    currency: str
    value_date: date
    remittance_info: str = ""
    structured_reference: str = ""
    counterparty_iban: str = ""
    counterparty_name: str = ""

    @cached_property
    def reference_keys(self) -> list[str]:
        """The document number keys the line names (``references.reference_keys``), computed
        once."""
        return reference_keys(
            remittance_info=self.remittance_info, structured_reference=self.structured_reference
        )


class Candidate(NamedTuple):
    """An open debit a line may pay, as seen on the line's value date (a tuple: a chunk of
    lines makes tens of thousands)."""

    transaction: int
    party: int
    customer: int
    legal_entity: int
    document_number: str
    currency: str
    open_amount: Decimal  # positive
    discount: Decimal  # available on the line's value date, positive or zero
    max_underpayment: Decimal
    max_overpayment: Decimal
    due_date: date
    disputed: bool = False

    @property
    def due(self) -> Decimal:
        """What closes it on the value date: the open amount less the discount."""
        return self.open_amount - self.discount


@dataclass(frozen=True)
class Proposal:
    rule: str
    confidence: int
    reason: str
    customer: int | None
    tie: bool
    transactions: tuple[tuple[int, Decimal, Decimal], ...]  # (transaction, amount, discount)

    def as_json(self, currency: str) -> dict:
        """As a line stores it, amounts as strings in the currency's minor units."""
        return {
            "rule": self.rule,
            "confidence": self.confidence,
            "reason": self.reason,
            "customer": self.customer,
            "tie": self.tie,
            "transactions": [
                {
                    "transaction": t,
                    "amount": format_amount(a, currency),
                    "cash_discount": format_amount(d, currency),
                }
                for t, a, d in self.transactions
            ],
        }


class CandidateBook(Protocol):
    """Where the rules look candidates up; open debits only, in the entities the user may act
    in, each with its discount on the date ``on``."""

    def candidates_by_keys(self, keys: Collection[str], *, on: date) -> list[Candidate]:
        """Open debits whose document number key is one of ``keys``."""

    def party_of_iban(self, iban: str) -> int | None:
        """The party an IBAN belongs to."""

    def open_debits(self, party: int, *, on: date) -> list[Candidate]:
        """The party's open debits, oldest (due date) first."""

    def open_debits_paying(self, party: int, amount: Decimal, *, on: date) -> list[Candidate]:
        """The party's open debits that may pay ``amount`` on ``on`` (their open amount, or it
        less their cash discount), oldest first: at least those, perhaps others (a book that
        holds them all may give them all)."""

    def parties_by_name(self, name: str) -> list[tuple[int, float]]:
        """(party, name similarity) of the parties whose name scores at least
        ``NAME_SIMILARITY_MIN`` against ``name`` (``name_similarity``), best first."""

    def payment_customer(self, party: int) -> int | None:
        """The customer a payment of the party is posted for in the bank account's entity."""


def name_similarity(a: str, b: str) -> float:
    """Token-set similarity 0-100, case and punctuation ignored. Two different names may both
    score 100 against one text: ties are ties."""
    return fuzz.token_set_ratio(a, b, processor=utils.default_process)


def money(amount: Decimal, currency: str) -> str:
    return format_amount(amount, currency)


def numbers(candidates: Sequence[Candidate]) -> str:
    names = [c.document_number for c in candidates]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def units(amount: Decimal) -> int:
    return int(amount * _SCALE)


@dataclass(frozen=True)
class Fit:
    kind: str  # exact, discount, underpayment, overpayment
    amount: Decimal
    discount: Decimal


FIT_RANK = {"exact": 0, "discount": 0, "underpayment": 1, "overpayment": 1}


def amount_fit(c: Candidate, amount: Decimal, *, tolerance: bool) -> Fit | None:
    """How ``amount`` agrees with the candidate, or None."""
    if amount == c.open_amount:
        return Fit("exact", amount, ZERO)
    if c.discount > 0 and amount == c.due:
        return Fit("discount", amount, c.discount)
    if tolerance and c.open_amount - c.max_underpayment <= amount < c.open_amount:
        return Fit("underpayment", amount, ZERO)
    if tolerance and c.open_amount < amount <= c.open_amount + c.max_overpayment:
        return Fit("overpayment", c.open_amount, ZERO)
    return None
