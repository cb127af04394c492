"""``build_vouchers`` on unsaved transactions and items built by hand (no database): each row is
a settlement worked out on paper, with every voucher line it posts in every entity, the
accounting value of each item and the exchange difference booked per debit."""

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from entities.models import Customer, LegalEntity
from receivables.models import OpenTransaction
from settlement.services.allocation import Item, Pairing
from settlement.services.posting import build_vouchers

MAR9 = date(2026, 3, 9)


def _entity(pk, code, currency="USD", **parameters):
    return LegalEntity(pk=pk, code=code, name=code, accounting_currency=currency, **parameters)


def _side(key, entity, *, open, rate, accounting, cash, discount="0", difference="0"):
    """An unsaved open transaction and its item, as the allocation left it (open signed:
    positive for a debit)."""
    is_debit = D(open) > 0
    number = f"{'INV' if is_debit else 'PAY'}{key}"
    ot = OpenTransaction(
        pk=key,
        legal_entity=entity,
        customer=Customer(legal_entity=entity, account="4000"),
        document_number=number,
        currency="EUR",
        rate=D(rate),
        amount=D(open),
        open_amount=D(open),
        open_accounting_amount=D(accounting),
    )
    item = Item(
        key=key,
        is_debit=is_debit,
        is_payment=not is_debit,
        currency="EUR",
        open=abs(D(open)),
        due_date=MAR9,
        date=MAR9,
        number=number,
        amount=abs(D(open)),
        rate=D(rate),
        accounting_currency=entity.accounting_currency,
    )
    item.cash, item.discount, item.difference = D(cash), D(discount), D(difference)
    return ot, item


def _build(sides, paid, *, primary=None, rates=None):
    transactions = {ot.pk: ot for ot, _ in sides}
    items = [item for _, item in sides]
    by_key = {item.key: item for item in items}
    pairings = [Pairing(credit=by_key[c], debit=by_key[d], amount=D(a)) for c, d, a in paid]
    return build_vouchers(
        settlement_date=MAR9,
        items=items,
        transactions=transactions,
        pairings=pairings,
        primary=transactions.get(primary),
        rates=rates,
        source="settlement",
        description="Settlement",
    )


def _lines(vouchers):
    return {
        v.legal_entity.code: [
            (
                line.posting_type,
                str(line.amount),
                str(line.accounting_amount),
                line.counterparty.code if line.counterparty else line.description,
            )
            for line in v.lines
        ]
        for v in vouchers
    }


FAB, FABE, FABW = _entity(1, "FAB"), _entity(2, "FABE"), _entity(3, "FABW", "EUR")
FAB_EUR = _entity(4, "FABEUR", "EUR")


def test_build_vouchers_one_entity_with_cash_discount():
    # 100.00 EUR invoice closed by 98.00 paid and 2.00 discount, all at rate 1 in EUR.
    sides = [
        _side(
            1, FAB_EUR, open="100.00", rate="1", accounting="100.00", cash="98.00", discount="2.00"
        ),
        _side(2, FAB_EUR, open="-98.00", rate="1", accounting="-98.00", cash="98.00"),
    ]
    vouchers, values, fx = _build(sides, [(2, 1, "98.00")])
    assert _lines(vouchers) == {
        "FABEUR": [
            ("customer_balance", "-100.00", "-100.00", "Settlement of INV1"),
            ("customer_balance", "98.00", "98.00", "Settlement of PAY2"),
            ("cash_discount", "2.00", "2.00", "Settlement"),
        ]
    }
    assert (values[1].total, values[1].cash, values[1].discount) == (
        D("100.00"),
        D("98.00"),
        D("2.00"),
    )
    assert values[2].total == D("98.00")
    assert dict(fx) == {1: D("0.00")}
    assert [v.source_key for v in vouchers] == ["settlement:FABEUR"]


def test_build_vouchers_one_entity_with_payment_difference():
    # 99.50 paid on 100.00 at rate 1.2062: 0.50 underpaid is 0.60 USD; 120.62 USD taken off.
    sides = [
        _side(
            1,
            FAB,
            open="100.00",
            rate="1.2062",
            accounting="120.62",
            cash="99.50",
            difference="0.50",
        ),
        _side(2, FAB, open="-99.50", rate="1.2062", accounting="-120.02", cash="99.50"),
    ]
    vouchers, values, fx = _build(sides, [(2, 1, "99.50")])
    assert _lines(vouchers) == {
        "FAB": [
            ("customer_balance", "-100.00", "-120.62", "Settlement of INV1"),
            ("customer_balance", "99.50", "120.02", "Settlement of PAY2"),
            ("payment_difference", "0.50", "0.60", "Settlement"),
        ]
    }
    assert (values[1].cash, values[1].difference) == (D("120.02"), D("0.60"))
    assert dict(fx) == {1: D("0.00")}


def test_build_vouchers_two_entities_book_intercompany_and_the_gain_in_the_payments():
    # Invoice in FAB at 1.2062 (120.62 USD), payment in FABE at 1.2277 (122.77 USD): FABE owes
    # FAB the invoice's value; the 2.15 USD gain is booked where the payment is (the default).
    sides = [
        _side(1, FAB, open="100.00", rate="1.2062", accounting="120.62", cash="100.00"),
        _side(2, FABE, open="-100.00", rate="1.2277", accounting="-122.77", cash="100.00"),
    ]
    vouchers, values, fx = _build(sides, [(2, 1, "100.00")])
    assert _lines(vouchers) == {
        "FAB": [
            ("customer_balance", "-100.00", "-120.62", "Settlement of INV1"),
            ("intercompany_due_from", "100.00", "120.62", "FABE"),
        ],
        "FABE": [
            ("customer_balance", "100.00", "122.77", "Settlement of PAY2"),
            ("intercompany_due_to", "-100.00", "-120.62", "FAB"),
            ("fx_realized_gain", "0", "-2.15", "Settlement"),
        ],
    }
    assert [v.legal_entity.code for v in vouchers] == ["FAB", "FABE"]
    assert dict(fx) == {1: D("2.15")}


def test_build_vouchers_a_primary_payment_routes_through_its_entity():
    # A 200.00 invoice in FAB (241.24 USD at 1.2062) paid 100.00 by the primary payment in FABE
    # and 100.00 by a payment in FABX, both at 1.2277 (122.77 USD each). FABX's cash goes
    # through FABE, valued at the payment's rate up to FABE and at the invoice's beyond; every
    # gain (2.15 USD per payment) is booked in the primary payment's entity.
    fabx = _entity(6, "FABX")
    sides = [
        _side(1, FAB, open="200.00", rate="1.2062", accounting="241.24", cash="200.00"),
        _side(2, FABE, open="-100.00", rate="1.2277", accounting="-122.77", cash="100.00"),
        _side(3, fabx, open="-100.00", rate="1.2277", accounting="-122.77", cash="100.00"),
    ]
    vouchers, _, fx = _build(sides, [(2, 1, "100.00"), (3, 1, "100.00")], primary=2)
    assert _lines(vouchers) == {
        "FAB": [
            ("customer_balance", "-200.00", "-241.24", "Settlement of INV1"),
            ("intercompany_due_from", "200.00", "241.24", "FABE"),
        ],
        "FABE": [
            ("customer_balance", "100.00", "122.77", "Settlement of PAY2"),
            ("intercompany_due_to", "-200.00", "-241.24", "FAB"),
            ("fx_realized_gain", "0", "-4.30", "Settlement"),
            ("intercompany_due_from", "100.00", "122.77", "FABX"),
        ],
        "FABX": [
            ("customer_balance", "100.00", "122.77", "Settlement of PAY3"),
            ("intercompany_due_to", "-100.00", "-122.77", "FABE"),
        ],
    }
    assert [v.legal_entity.code for v in vouchers] == ["FAB", "FABE", "FABX"]
    assert dict(fx) == {1: D("4.30")}


def test_build_vouchers_different_accounting_currencies_value_at_the_settlement_rate():
    # Invoice in FABW (EUR books, 100.00 EUR), payment in FAB (USD books, 122.77 USD at 1.2277).
    # FAB values the intercompany line at the settlement date's 1.2277 too: no difference in
    # FAB; FABW's is 100.00 − 100.00 = 0.
    rates = SimpleNamespace(get=lambda frm, to, on: {"USD": D("1.2277"), "EUR": D(1)}[to])
    sides = [
        _side(1, FABW, open="100.00", rate="1", accounting="100.00", cash="100.00"),
        _side(2, FAB, open="-100.00", rate="1.2277", accounting="-122.77", cash="100.00"),
    ]
    vouchers, _, fx = _build(sides, [(2, 1, "100.00")], rates=rates)
    assert _lines(vouchers) == {
        "FAB": [
            ("customer_balance", "100.00", "122.77", "Settlement of PAY2"),
            ("intercompany_due_to", "-100.00", "-122.77", "FABW"),
        ],
        "FABW": [
            ("customer_balance", "-100.00", "-100.00", "Settlement of INV1"),
            ("intercompany_due_from", "100.00", "100.00", "FAB"),
        ],
    }
    assert dict(fx) == {1: D("0.00")}


@pytest.mark.parametrize(
    ("posted_in", "expected"),
    [
        # Discount booked in the invoice's entity FAB (the default).
        ("invoice", {"FAB": ("cash_discount", "2.00", "2.41"), "FABE": None}),
        # Booked in the payment's entity FABE: FABE owes FAB the discount's value as well.
        ("payment", {"FAB": None, "FABE": ("cash_discount", "2.00", "2.41")}),
    ],
)
def test_build_vouchers_cash_discount_booked_where_the_parameters_say(posted_in, expected):
    # 98.00 paid plus 2.00 discount at 1.2062: the discount is 2.41 USD; the invoice total
    # 120.62 leaves 118.21 for the cash. The payment (98.00 at 1.2062 too) is 118.21 USD.
    payer = _entity(5, "FABE", cash_discount_posted_in=posted_in)
    sides = [
        _side(
            1, FAB, open="100.00", rate="1.2062", accounting="120.62", cash="98.00", discount="2.00"
        ),
        _side(2, payer, open="-98.00", rate="1.2062", accounting="-118.21", cash="98.00"),
    ]
    vouchers, values, fx = _build(sides, [(2, 1, "98.00")])
    assert (values[1].cash, values[1].discount) == (D("118.21"), D("2.41"))
    lines = _lines(vouchers)
    for code, line in expected.items():
        discounts = [x[:3] for x in lines[code] if x[0] == "cash_discount"]
        assert discounts == ([line] if line else [])
    due_from = [x for x in lines["FAB"] if x[0] == "intercompany_due_from"]
    total = sum(D(x[2]) for x in due_from)
    assert total == (D("120.62") if posted_in == "payment" else D("118.21"))
    assert dict(fx) == {1: D("0.00")}
