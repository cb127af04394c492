"""``preview_from_plan``: the signs and totals of a settlement preview, from a plan built by hand
(no database)."""

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from ledger.services import VoucherInput, VoucherLineInput
from settlement.services.allocation import Item
from settlement.services.preview import preview_from_plan

MAR9 = date(2026, 3, 9)


def _item(key, *, is_debit, open, cash, discount="0", difference="0"):
    item = Item(
        key=key,
        is_debit=is_debit,
        is_payment=not is_debit,
        currency="EUR",
        open=D(open),
        due_date=MAR9,
        date=MAR9,
        number=f"DOC{key}",
    )
    item.cash, item.discount, item.difference = D(cash), D(discount), D(difference)
    return item


def _plan(items, open_amounts, vouchers=()):
    transactions = {
        i.key: SimpleNamespace(pk=i.key, currency="EUR", open_amount=D(open_amounts[i.key]))
        for i in items
    }
    return SimpleNamespace(items=items, transactions=transactions, vouchers=list(vouchers))


@pytest.mark.parametrize(
    ("is_debit", "open_amount", "cash", "discount", "signed", "after"),
    [
        # An invoice of 100.00 paid 97.00 with 3.00 discount: all positive, nothing left.
        (True, "100.00", "97.00", "3.00", ("97.00", "3.00"), "0.00"),
        # A payment of 250.00 (open -250.00) using 100.00: negative, -150.00 left.
        (False, "-250.00", "100.00", "0", ("-100.00", "0"), "-150.00"),
        # An invoice settled in part: 40.00 of 100.00, 60.00 left.
        (True, "100.00", "40.00", "0", ("40.00", "0"), "60.00"),
    ],
)
def test_preview_from_plan_signs_amounts_as_the_transaction(
    is_debit, open_amount, cash, discount, signed, after
):
    item = _item(1, is_debit=is_debit, open=abs(D(open_amount)), cash=cash, discount=discount)
    (line,) = preview_from_plan(_plan([item], {1: open_amount})).lines
    assert (line.settled_amount, line.cash_discount) == tuple(D(x) for x in signed)
    assert line.open_amount_after == D(after)
    assert line.currency == "EUR"


def test_preview_from_plan_totals_net_discounts_and_differences():
    items = [
        _item(1, is_debit=True, open="100.00", cash="95.00", discount="3.00", difference="2.00"),
        _item(2, is_debit=True, open="50.00", cash="20.00"),
        _item(3, is_debit=False, open="120.00", cash="115.00", difference="1.00"),
    ]
    totals = preview_from_plan(_plan(items, {1: "100.00", 2: "50.00", 3: "-120.00"})).totals
    assert totals.currency == "EUR"
    assert (totals.marked_debit, totals.marked_credit) == (D("150.00"), D("120.00"))
    assert (totals.cash_discount, totals.payment_difference) == (D("3.00"), D("1.00"))
    assert (totals.open_debit, totals.open_credit) == (D("30.00"), D("4.00"))


def test_preview_from_plan_lists_every_posting_of_every_voucher():
    fab = SimpleNamespace(code="FAB", accounting_currency="EUR")
    fabw = SimpleNamespace(code="FABW", accounting_currency="USD")
    vouchers = [
        VoucherInput(
            legal_entity=entity,
            date=MAR9,
            lines=[
                VoucherLineInput("customer_balance", "EUR", D("-10.00"), D(accounting)),
                VoucherLineInput("bank", "EUR", D("10.00"), D(accounting.lstrip("-"))),
            ],
        )
        for entity, accounting in ((fab, "-10.00"), (fabw, "-10.80"))
    ]
    item = _item(1, is_debit=True, open="10.00", cash="10.00")
    preview = preview_from_plan(_plan([item], {1: "10.00"}, vouchers))
    postings = [
        (p.legal_entity.code, p.posting_type, p.accounting_currency) for p in preview.postings
    ]
    assert postings == [
        ("FAB", "customer_balance", "EUR"),
        ("FAB", "bank", "EUR"),
        ("FABW", "customer_balance", "USD"),
        ("FABW", "bank", "USD"),
    ]
    assert [v.legal_entity.code for v in preview.vouchers] == ["FAB", "FABW"]
