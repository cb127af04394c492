"""The matching rules without a database: a line, a book of candidates, the proposals."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal as D

import pytest

from banking.matching.combinations import combinations_summing
from banking.matching.engine import Candidate, LineFacts, line_propose, name_similarity
from banking.matching.references import document_tokens, reference_keys, rf_payloads_in
from core.bank_codes import rf_reference_make
from receivables.models.open_transactions import document_number_key

IBAN = "DE89370400440532013000"
ON = date(2026, 3, 9)


def cand(tid, number, open_amount, *, discount="0", party=1, due=date(2026, 3, 1), **kw):
    return Candidate(
        transaction=tid,
        party=party,
        customer=100 + party,
        legal_entity=1,
        document_number=number,
        currency=kw.get("currency", "EUR"),
        open_amount=D(open_amount),
        discount=D(discount),
        max_underpayment=D(kw.get("under", "0")),
        max_overpayment=D(kw.get("over", "0")),
        due_date=due,
        disputed=kw.get("disputed", False),
    )


@dataclass
class MemoryBook:
    candidates: list
    ibans: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    customers: dict = field(default_factory=dict)

    def candidates_by_keys(self, keys, *, on):
        wanted = set(keys)
        return [c for c in self.candidates if document_number_key(c.document_number) in wanted]

    def party_of_iban(self, iban):
        return self.ibans.get(iban)

    def open_debits(self, party, *, on):
        return sorted((c for c in self.candidates if c.party == party), key=lambda c: c.due_date)

    def open_debits_paying(self, party, amount, *, on):
        """Only those that pay ``amount`` (the least a book may give)."""
        return [c for c in self.open_debits(party, on=on) if amount in (c.open_amount, c.due)]

    def parties_by_name(self, name):
        scores = [(p, name_similarity(name, n)) for p, n in self.names.items()]
        return sorted(((p, s) for p, s in scores if s >= 90), key=lambda x: -x[1])

    def payment_customer(self, party):
        return self.customers.get(party)


def line(amount, *, text="", ref="", iban="", name="", currency="EUR"):
    return LineFacts(
        amount=D(amount),
        currency=currency,
        value_date=ON,
        remittance_info=text,
        structured_reference=ref,
        counterparty_iban=iban,
        counterparty_name=name,
    )


def summary(proposals):
    return [
        (p.rule, p.confidence, p.tie, tuple((t, str(a), str(d)) for t, a, d in p.transactions))
        for p in proposals
    ]


INV14 = cand(1, "FABE-INV-000014", "100.00", discount="2.00")
RF14 = rf_reference_make("FABE-INV-000014")  # RF..FABEINV000014
RF14_BAD = "RF" + f"{(int(RF14[2:4]) + 1) % 100:02d}" + RF14[4:]

CASES = {
    "reference, open amount": (
        [INV14],
        line("100.00", text="Invoice FABE-INV-000014, thank you"),
        {},
        [("reference", 100, False, ((1, "100.00", "0"),))],
    ),
    "reference without dashes, lower case": (
        [INV14],
        line("100.00", text="inv fabeinv000014"),
        {},
        [("reference", 100, False, ((1, "100.00", "0"),))],
    ),
    "reference, less the discount on the value date": (
        [INV14],
        line("98.00", text="FABE-INV-000014"),
        {},
        [("reference", 99, False, ((1, "98.00", "2.00"),))],
    ),
    "RF reference in the structured reference": (
        [INV14],
        line("100.00", ref=RF14),
        {},
        [("reference", 100, False, ((1, "100.00", "0"),))],
    ),
    "RF reference in print format in the text": (
        [INV14],
        line(
            "100.00", text=f"Payment {' '.join(RF14[i : i + 4] for i in range(0, len(RF14), 4))} ok"
        ),
        {},
        [("reference", 100, False, ((1, "100.00", "0"),))],
    ),
    "RF reference with bad check digits is none": (
        [INV14],
        line("100.00", ref=RF14_BAD, text=RF14_BAD),
        {},
        [],
    ),
    "underpayment within the tolerance": (
        [cand(1, "INV-1", "100.00", under="1.00")],
        line("99.50", text="INV-1"),
        {},
        [("reference", 96, False, ((1, "99.50", "0"),))],
    ),
    "overpayment within the tolerance": (
        [cand(1, "INV-1", "100.00", over="1.00")],
        line("100.40", text="INV-1"),
        {},
        [("reference", 96, False, ((1, "100.00", "0"),))],
    ),
    "one payment for three invoices": (
        [cand(1, "INV-1", "100.00"), cand(2, "INV-2", "200.00"), cand(3, "INV-3", "300.00")],
        line("600.00", text="INV-1 INV-2 INV-3"),
        {},
        [
            (
                "reference",
                100,
                False,
                ((1, "100.00", "0"), (2, "200.00", "0"), (3, "300.00", "0")),
            )
        ],
    ),
    "three invoices less their discounts": (
        [
            cand(1, "INV-1", "100.00", discount="2.00"),
            cand(2, "INV-2", "200.00"),
            cand(3, "INV-3", "300.00", discount="6.00"),
        ],
        line("592.00", text="INV-1/INV-2/INV-3"),
        {},
        [
            (
                "reference",
                99,
                False,
                ((1, "98.00", "2.00"), (2, "200.00", "0"), (3, "294.00", "6.00")),
            )
        ],
    ),
    "reference whose amount disagrees: a partial settlement": (
        [INV14],
        line("60.00", text="FABE-INV-000014"),
        {},
        [("reference", 60, False, ((1, "60.00", "0"),))],
    ),
    "14 is not found inside 1814": (
        [cand(1, "14", "50.00")],
        line("50.00", text="Order 1814, INV-14-2"),
        {},
        [],
    ),
    "IBAN and the open amount": (
        [cand(1, "INV-1", "100.00"), cand(2, "INV-2", "250.00")],
        line("250.00", iban=IBAN),
        {"ibans": {IBAN: 1}},
        [("iban", 95, False, ((2, "250.00", "0"),))],
    ),
    "IBAN and the open amount less the discount": (
        [cand(1, "INV-1", "100.00", discount="2.00"), cand(2, "INV-2", "250.00")],
        line("98.00", iban=IBAN),
        {"ibans": {IBAN: 1}},
        [("iban", 95, False, ((1, "98.00", "2.00"),))],
    ),
    "IBAN: two debits of that amount are a tie": (
        [cand(1, "INV-1", "100.00"), cand(2, "INV-2", "100.00")],
        line("100.00", iban=IBAN),
        {"ibans": {IBAN: 1}},
        [("iban", 50, True, ((1, "100.00", "0"),)), ("iban", 50, True, ((2, "100.00", "0"),))],
    ),
    "IBAN: one paid in full and one less its discount are a tie": (
        [cand(1, "INV-1", "100.00"), cand(2, "INV-2", "102.00", discount="2.00")],
        line("100.00", iban=IBAN),
        {"ibans": {IBAN: 1}},
        [("iban", 50, True, ((1, "100.00", "0"),)), ("iban", 50, True, ((2, "100.00", "2.00"),))],
    ),
    "IBAN and a combination of open debits": (
        [cand(1, "INV-1", "100.00"), cand(2, "INV-2", "200.00"), cand(3, "INV-3", "350.00")],
        line("300.00", iban=IBAN),
        {"ibans": {IBAN: 1}},
        [("combination", 85, False, ((1, "100.00", "0"), (2, "200.00", "0")))],
    ),
    "IBAN: two combinations are a tie": (
        [
            cand(1, "INV-1", "100.00"),
            cand(2, "INV-2", "200.00"),
            cand(3, "INV-3", "150.00"),
            cand(4, "INV-4", "150.00"),
        ],
        line("300.00", iban=IBAN),
        {"ibans": {IBAN: 1}},
        [
            ("combination", 50, True, ((1, "100.00", "0"), (2, "200.00", "0"))),
            ("combination", 50, True, ((3, "150.00", "0"), (4, "150.00", "0"))),
        ],
    ),
    "name and the open amount": (
        [cand(1, "INV-1", "100.00"), cand(2, "INV-2", "250.00")],
        line("250.00", name="NORTHWIND TRADERS GMBH"),
        {"names": {1: "Northwind Traders"}},
        [("name", 75, False, ((2, "250.00", "0"),))],
    ),
    "name and a combination": (
        [cand(1, "INV-1", "100.00"), cand(2, "INV-2", "200.00"), cand(3, "INV-3", "350.00")],
        line("450.00", name="northwind traders"),
        {"names": {1: "Northwind Traders"}},
        [("combination", 80, False, ((1, "100.00", "0"), (3, "350.00", "0")))],
    ),
    "two names scoring 100 are a tie": (
        [cand(1, "INV-1", "100.00", party=1), cand(2, "INV-2", "100.00", party=2)],
        line("100.00", name="Northwind Traders"),
        {"names": {1: "Northwind Traders", 2: "Northwind Traders Ltd"}},
        [("name", 50, True, ((1, "100.00", "0"),)), ("name", 50, True, ((2, "100.00", "0"),))],
    ),
    "a name below 90 is no party": (
        [cand(1, "INV-1", "100.00")],
        line("100.00", name="Contoso Pharmaceuticals"),
        {"names": {1: "Northwind Traders"}},
        [],
    ),
    "candidates in another currency are none": (
        [cand(1, "INV-1", "100.00", currency="USD")],
        line("100.00", text="INV-1", iban=IBAN),
        {"ibans": {IBAN: 1}},
        [],
    ),
    "a debit line is not matched": (
        [cand(1, "INV-1", "100.00")],
        line("-100.00", text="INV-1", iban=IBAN),
        {"ibans": {IBAN: 1}},
        [],
    ),
    "a disputed invoice is proposed when named, for review": (
        [cand(1, "INV-1", "100.00", disputed=True)],
        line("100.00", text="INV-1"),
        {},
        [("reference", 90, False, ((1, "100.00", "0"),))],
    ),
    "a named invoice that disagrees holds the IBAN's proposal below the threshold": (
        [cand(1, "INV-1", "100.00"), cand(2, "INV-2", "60.00")],
        line("60.00", text="INV-1", iban=IBAN),
        {"ibans": {IBAN: 1}},
        [("iban", 90, False, ((2, "60.00", "0"),)), ("reference", 60, False, ((1, "60.00", "0"),))],
    ),
    "a reference beats the IBAN": (
        [cand(1, "INV-1", "100.00"), cand(2, "INV-2", "100.00")],
        line("100.00", text="INV-2", iban=IBAN),
        {"ibans": {IBAN: 1}},
        [
            ("reference", 100, False, ((2, "100.00", "0"),)),
            ("iban", 50, True, ((1, "100.00", "0"),)),
        ],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_line_propose_rules(case):
    candidates, facts, book_data, expected = CASES[case]
    book = MemoryBook(candidates, **book_data)
    assert summary(line_propose(facts, book, set())) == expected


def test_line_propose_reasons():
    book = MemoryBook([INV14, cand(2, "INV-2", "100.00"), cand(3, "INV-3", "100.00")])
    assert line_propose(line("98.00", text="FABE-INV-000014"), book, set())[0].reason == (
        "Reference to FABE-INV-000014; 98.00 is its open amount 100.00 less the cash discount "
        "2.00 available on 2026-03-09."
    )
    assert line_propose(line("60.00", text="FABE-INV-000014"), book, set())[0].reason == (
        "Reference to FABE-INV-000014, open 100.00, but 60.00 paid: a partial settlement, "
        "40.00 left open."
    )
    book.ibans = {IBAN: 1}
    tie = line_propose(line("100.00", iban=IBAN), book, set())
    assert tie[0].reason == (
        "The IBAN belongs to the party; 100.00 agrees with several open debits: tie between "
        "FABE-INV-000014, INV-2 and INV-3."
    )
    book.candidates.append(cand(4, "INV-4", "100.00"))
    assert line_propose(line("100.00", iban=IBAN), book, set())[0].reason.endswith(
        "tie between FABE-INV-000014, INV-2 and INV-3 (and 1 more)."
    )
    book.candidates = [cand(1, "INV-1", "100.00"), cand(2, "INV-2", "200.00")]
    book.candidates += [cand(3, "INV-3", "150.00"), cand(4, "INV-4", "150.00")]
    assert line_propose(line("300.00", iban=IBAN), book, set())[0].reason == (
        "The IBAN belongs to the party; 300.00 adds up from several sets of open debits: tie "
        "between INV-1 + INV-2 and INV-3 + INV-4."
    )


class CountingBook(MemoryBook):
    """A book that counts the searches of names."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.searched = []

    def parties_by_name(self, name):
        self.searched.append(name)
        return super().parties_by_name(name)


def test_line_propose_searches_no_name_when_the_reference_settles_the_line():
    """A reference at the threshold leaves out the name rules (they could only add
    alternatives below it); below the threshold, or without a threshold, names are searched."""
    debits = [INV14, cand(2, "INV-2", "100.00"), cand(3, "INV-3", "60.00")]
    names = {1: "Northwind Traders"}
    paid = line("100.00", text="FABE-INV-000014", name="NORTHWIND TRADERS")
    book = CountingBook(debits, names=names)

    assert summary(line_propose(paid, book, set(), threshold=95)) == [
        ("reference", 100, False, ((1, "100.00", "0"),))
    ]
    assert book.searched == []
    assert summary(line_propose(paid, book, set())) == [
        ("reference", 100, False, ((1, "100.00", "0"),)),
        ("name", 50, True, ((2, "100.00", "0"),)),
    ]
    assert book.searched == ["NORTHWIND TRADERS"]

    partial = line("60.00", text="FABE-INV-000014", name="Northwind Traders")
    assert summary(line_propose(partial, book, set(), threshold=95)) == [
        ("name", 75, False, ((3, "60.00", "0"),)),
        ("reference", 60, False, ((1, "60.00", "0"),)),
    ]
    assert book.searched == ["NORTHWIND TRADERS", "Northwind Traders"]


class PartyReadingBook(MemoryBook):
    """A book that counts the parties whose debits the rules read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read = []

    def open_debits(self, party, *, on):
        self.read.append(party)
        return super().open_debits(party, on=on)

    def open_debits_paying(self, party, amount, *, on):
        self.read.append(party)
        return super().open_debits_paying(party, amount, on=on)


def test_line_propose_leaves_the_iban_rules_out_when_the_reference_settles_the_line():
    """A reference above anything the IBAN rules give, at the threshold, leaves them out: they
    could only add alternatives below it. Below the threshold, at or below what they give, or
    without a threshold, they run."""
    debits = [INV14, cand(2, "INV-2", "100.00"), cand(3, "INV-3", "60.00")]
    paid = line("100.00", text="FABE-INV-000014", iban=IBAN)
    book = PartyReadingBook(debits, ibans={IBAN: 1})

    assert summary(line_propose(paid, book, set(), threshold=95)) == [
        ("reference", 100, False, ((1, "100.00", "0"),))
    ]
    assert book.read == []
    assert summary(line_propose(paid, book, set())) == [
        ("reference", 100, False, ((1, "100.00", "0"),)),
        ("iban", 50, True, ((2, "100.00", "0"),)),  # INV-2 and the named one agree: a tie
    ]
    assert set(book.read) == {1}
    # Above the reference's confidence, the threshold keeps the IBAN rules in.
    assert summary(line_propose(paid, book, set(), threshold=101))[1][0] == "iban"
    # A partial reference settles nothing: the IBAN rules run and their proposal leads.
    partial = line("60.00", text="FABE-INV-000014", iban=IBAN)
    assert summary(line_propose(partial, book, set(), threshold=95)) == [
        ("iban", 90, False, ((3, "60.00", "0"),)),
        ("reference", 60, False, ((1, "60.00", "0"),)),
    ]


def test_line_propose_never_takes_what_another_line_took():
    book = MemoryBook([INV14])
    taken: set[int] = set()
    first = line_propose(line("100.00", text="FABE-INV-000014"), book, taken)
    taken.update(t for t, _, _ in first[0].transactions)
    assert line_propose(line("100.00", text="FABE-INV-000014"), book, taken) == []


def test_line_propose_customer_is_the_payment_entitys_account_of_the_party():
    book = MemoryBook([INV14], customers={1: 7})
    (proposal,) = line_propose(line("100.00", text="FABE-INV-000014"), book, set())
    assert proposal.customer == 7
    book.customers = {}
    (proposal,) = line_propose(line("100.00", text="FABE-INV-000014"), book, set())
    assert proposal.customer == 101


def test_name_similarity_ignores_case_only_with_the_processor():
    from rapidfuzz import fuzz

    assert name_similarity("NORTHWIND TRADERS", "northwind traders") == 100
    assert fuzz.token_set_ratio("NORTHWIND TRADERS", "northwind traders") < 90


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Order 1814", ["1814"]),
        ("INV-14-2, 2026/14", ["INV-14-2", "2026/14"]),
        ("FABE-INV-1/FABE-INV-2", ["FABE-INV-1/FABE-INV-2", "FABE-INV-1", "FABE-INV-2"]),
        ("Thanks!", []),
    ],
)
def test_document_tokens_are_whole_tokens(text, expected):
    assert document_tokens(text) == expected


def test_rf_payloads_in_reads_print_format_and_refuses_bad_check_digits():
    grouped = " ".join(RF14[i : i + 4] for i in range(0, len(RF14), 4))
    assert rf_payloads_in(f"ref {grouped} 2026") == ["FABEINV000014"]
    assert rf_payloads_in(f"ref {RF14_BAD}") == []
    assert reference_keys(remittance_info="", structured_reference=RF14) == ["FABEINV000014"]


@pytest.mark.parametrize(
    "values, target, expected",
    [
        ([100, 200, 300], 600, [(0, 1, 2)]),
        ([100, 200, 150, 150], 300, [(0, 1), (2, 3)]),
        ([10, 20, 30, 40, 50, 60], 150, [(3, 4, 5), (0, 2, 4, 5)]),
        ([1, 2, 3, 4, 5, 100], 15, [(0, 1, 2, 3, 4)]),
        ([1, 2, 3, 4, 5, 6], 21, []),  # six items: more than five
        ([500], 100, []),
    ],
)
def test_combinations_summing(values, target, expected):
    assert combinations_summing(values, target) == expected
