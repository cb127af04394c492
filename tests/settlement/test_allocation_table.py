"""``allocate`` on items built by hand (no database): each row is a small settlement worked out
on paper, with the cash, discount and difference every item ends with and who paid whom."""

from datetime import date
from decimal import Decimal as D

import pytest

from settlement.exceptions import SettlementInvalid
from settlement.services.allocation import Item, allocate

MAR9, MAR10, MAR20 = date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 20)


def _invoice(key, open, *, due=MAR9, discount="0", rate="0", partial=False, **given):
    return Item(
        key=key,
        is_debit=True,
        is_payment=False,
        currency="EUR",
        open=D(open),
        due_date=due,
        date=MAR9,
        number=f"INV{key}",
        amount=D(open),
        discount_available=D(discount),
        discount_rate=D(rate),
        partial_discount_allowed=partial,
        **given,
    )


def _payment(key, open, *, due=MAR9, primary=False, **given):
    return Item(
        key=key,
        is_debit=False,
        is_payment=True,
        currency="EUR",
        open=D(open),
        due_date=due,
        date=MAR9,
        number=f"PAY{key}",
        amount=D(open),
        primary=primary,
        **given,
    )


def _results(items):
    return {i.key: (str(i.cash), str(i.discount), str(i.difference)) for i in items}


def _paid(pairings):
    return [(p.credit.key, p.debit.key, str(p.amount)) for p in pairings]


CASES = [
    pytest.param(
        # 100.00 with 2.00 discount available; 98.00 paid closes it with the full discount.
        [_invoice(1, "100.00", discount="2.00", rate="0.02"), _payment(2, "98.00")],
        {1: ("98.00", "2.00", "0"), 2: ("98.00", "0", "0")},
        [(2, 1, "98.00")],
        id="full-discount",
    ),
    pytest.param(
        # 0.50 short, within a maximum underpayment of 1.00: closed with a payment difference.
        [_invoice(1, "100.00", max_underpayment=D("1.00")), _payment(2, "99.50")],
        {1: ("99.50", "0", "0.50"), 2: ("99.50", "0", "0")},
        [(2, 1, "99.50")],
        id="underpayment",
    ),
    pytest.param(
        # 50.00 of 98.00 needed, no discount on partial payments: 50.00 open stays.
        [_invoice(1, "100.00", discount="2.00", rate="0.02"), _payment(2, "50.00")],
        {1: ("50.00", "0", "0"), 2: ("50.00", "0", "0")},
        [(2, 1, "50.00")],
        id="partial-no-discount",
    ),
    pytest.param(
        # Partial discount allowed: 49.00 ÷ (1 − 0.02) × 0.02 = 1.00.
        [
            _invoice(1, "100.00", discount="2.00", rate="0.02", partial=True),
            _payment(2, "49.00"),
        ],
        {1: ("49.00", "1.00", "0"), 2: ("49.00", "0", "0")},
        [(2, 1, "49.00")],
        id="partial-discount",
    ),
    pytest.param(
        # The invoice due first is paid first: 100.00 to INV2 (due 10 March), 50.00 to INV1.
        [
            _invoice(1, "100.00", due=MAR20),
            _invoice(2, "100.00", due=MAR10),
            _payment(3, "150.00"),
        ],
        {1: ("50.00", "0", "0"), 2: ("100.00", "0", "0"), 3: ("150.00", "0", "0")},
        [(3, 2, "100.00"), (3, 1, "50.00")],
        id="due-date-order",
    ),
    pytest.param(
        # 0.30 left on the payment, within a maximum overpayment of 0.50, the invoice closed.
        [_invoice(1, "100.00"), _payment(2, "100.30", max_overpayment=D("0.50"))],
        {1: ("100.00", "0", "0"), 2: ("100.00", "0", "0.30")},
        [(2, 1, "100.00")],
        id="overpayment",
    ),
    pytest.param(
        # Marked for full settlement: the 10.00 the payment does not cover is an extra discount.
        [_invoice(1, "100.00", full_settlement=True), _payment(2, "90.00")],
        {1: ("90.00", "10.00", "0"), 2: ("90.00", "0", "0")},
        [(2, 1, "90.00")],
        id="full-settlement",
    ),
    pytest.param(
        # The primary payment pays first though the other is due earlier: 60.00 then 20.00.
        [
            _invoice(1, "80.00"),
            _payment(2, "60.00", due=MAR9),
            _payment(3, "60.00", due=MAR20, primary=True),
        ],
        {1: ("80.00", "0", "0"), 2: ("20.00", "0", "0"), 3: ("60.00", "0", "0")},
        [(3, 1, "60.00"), (2, 1, "20.00")],
        id="primary-first",
    ),
    pytest.param(
        # An amount to settle of 30.00 on the invoice takes only that from the payment.
        [_invoice(1, "100.00", amount_given=D("30.00")), _payment(2, "100.00")],
        {1: ("30.00", "0", "0"), 2: ("30.00", "0", "0")},
        [(2, 1, "30.00")],
        id="amount-given",
    ),
]


@pytest.mark.parametrize(("items", "results", "paid"), CASES)
def test_allocate_worked_examples(items, results, paid):
    pairings = allocate(items)
    assert _results(items) == results
    assert _paid(pairings) == paid


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            [_invoice(1, "100.00")],
            "Mark at least one debit (invoice) and one credit (payment or credit note).",
        ),
        (
            [_invoice(1, "100.00", amount_given=D("120.00")), _payment(2, "100.00")],
            "transaction INV1: 120.00 to settle is more than its open amount 100.00.",
        ),
        (
            [_invoice(1, "100.00", discount_given=D("3.00"), discount="2.00"), _payment(2, "98")],
            "transaction INV1: cash discount 3.00 is more than the 2.00 available on the "
            "settlement date.",
        ),
    ],
)
def test_allocate_refuses(items, message):
    with pytest.raises(SettlementInvalid) as raised:
        allocate(items)
    assert raised.value.message == message
