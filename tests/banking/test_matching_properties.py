"""Matching never auto-matches a line to anything but what it pays: random open debits, lines
made from chosen targets (by reference, RF reference or IBAN, paying the open amount or the
open amount less the discount), matched in sequence as the service does."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from banking.matching.engine import LineFacts, line_propose, proposal_accepted
from core.bank_codes import rf_reference_make
from tests.banking.test_matching_engine import MemoryBook, cand

ON = date(2026, 3, 9)
IBANS = ["DE89370400440532013000", "GB82WEST12345698765432", "NL91ABNA0417164300"]
AMOUNTS = ["50.00", "98.00", "100.00", "102.00", "150.00", "200.00", "300.00"]


@st.composite
def books_and_lines(draw):
    count = draw(st.integers(min_value=1, max_value=14))
    candidates = [
        cand(
            i + 1,
            f"INV-{i + 1}",
            draw(st.sampled_from(AMOUNTS)),
            discount=draw(st.sampled_from(["0", "0", "2.00"])),
            party=draw(st.integers(min_value=1, max_value=3)),
            due=date(2026, 2, draw(st.integers(min_value=1, max_value=28))),
            under=draw(st.sampled_from(["0", "1.00"])),
        )
        for i in range(count)
    ]
    targets = draw(st.lists(st.sampled_from(candidates), unique=True, max_size=count))
    lines = []
    for target in targets:
        how = draw(st.sampled_from(["reference", "lower", "rf", "iban", "iban+noise"]))
        pays = target.due if draw(st.booleans()) else target.open_amount
        text = {
            "reference": f"Invoice {target.document_number}",
            "lower": f"{target.document_number.replace('-', '').lower()} 1{target.transaction}",
            "iban+noise": f"Order {target.transaction}1{target.transaction}",
        }.get(how, "")
        ref = rf_reference_make(target.document_number) if how == "rf" else ""
        iban = IBANS[target.party - 1] if how.startswith("iban") else ""
        facts = LineFacts(
            amount=pays,
            currency="EUR",
            value_date=ON,
            remittance_info=text,
            structured_reference=ref,
            counterparty_iban=iban,
        )
        lines.append((facts, target))
    book = MemoryBook(candidates, ibans={iban: i + 1 for i, iban in enumerate(IBANS)})
    return book, lines


@settings(max_examples=300, deadline=None)
@given(books_and_lines())
def test_line_propose_matches_only_the_true_target(case):
    book, lines = case
    taken: set[int] = set()
    for facts, target in lines:
        accepted = proposal_accepted(line_propose(facts, book, taken), threshold=95)
        if accepted is None:
            continue
        assert [t for t, _, _ in accepted.transactions] == [target.transaction]
        taken.add(target.transaction)


@settings(max_examples=100, deadline=None)
@given(books_and_lines())
def test_line_propose_matches_every_reference_to_an_open_invoice(case):
    """A line naming its invoice and paying it (in full or less its discount) is matched,
    unless another line took the invoice first (targets are distinct: never)."""
    book, lines = case
    taken: set[int] = set()
    for facts, _target in lines:
        accepted = proposal_accepted(line_propose(facts, book, taken), threshold=95)
        if facts.remittance_info.startswith("Invoice") or facts.structured_reference:
            assert accepted is not None
        if accepted is not None:
            taken.update(t for t, _, _ in accepted.transactions)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=60), max_size=9),
    st.integers(min_value=1, max_value=200),
)
def test_combinations_summing_agrees_with_trying_every_set(values, target):
    from itertools import combinations

    from banking.matching.combinations import combinations_summing

    every = {
        combo
        for size in range(2, 6)
        for combo in combinations(range(len(values)), size)
        if sum(values[i] for i in combo) == target
    }
    found = combinations_summing(values, target, limit=len(every) + 1 or 1)
    assert len(found) == len(set(found))
    assert set(found) == every
