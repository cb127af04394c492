"""Reversing each step of a bill of exchange, the map of allowed transitions refusing every
wrong step, and bad input: clear errors naming the field, nothing half-posted."""

from datetime import date
from decimal import Decimal

import pytest

from banking.exceptions import BillInvalid, BillStepNotAllowed
from banking.models import BankAccount, BillOfExchange
from banking.services.bills import (
    TRANSITIONS,
    bill_accept,
    bill_draw,
    bill_protest,
    bill_remit,
    bill_reverse,
    bill_settle,
)
from ledger.models import LedgerEntry, MainAccount, Voucher
from receivables.exceptions import DocumentSettled
from receivables.models import OpenTransaction, Payment
from settlement.exceptions import SettlementConflict
from settlement.models import Settlement
from settlement.services import SettlementLineInput, settlement_create, settlement_reverse
from tests.banking.bills import DUE, balance, draw, invoices, lines
from tests.factories.receivables import post_invoice, post_payment

S = BillOfExchange.Status


def _remitted(bank, mode="collection", charges=None):
    bill = bill_accept(bill=draw(bank), on=date(2026, 3, 11), actor=None)
    return bill_remit(
        bill=bill,
        on=date(2026, 3, 12),
        bank_account=bank["account"],
        mode=mode,
        charges=charges,
        actor=None,
    )


# --- reversal of each step -------------------------------------------------------------------


def test_bill_reverse_of_the_draw_reopens_the_debits_exactly(bank):
    bill = draw(bank, "100.00", "50.00")
    bill = bill_reverse(bill=bill, actor=None)
    assert bill.status == S.REVERSED
    debits = [t.open_transaction for t in bill.transactions.all()]
    for ot in debits:
        ot.refresh_from_db()
    assert [(ot.open_amount, ot.closed_on) for ot in debits] == [
        (Decimal("100"), None),
        (Decimal("50"), None),
    ]
    assert Settlement.objects.get(pk=bill.settlement_id).status == "reversed"
    payment = Payment.objects.get(pk=bill.payment_id)
    assert payment.status == "reversed"
    step = bill.steps.get()
    assert step.reversed_on == date(2026, 3, 10)
    assert step.reversal_voucher == payment.reversal_voucher
    assert lines(step.reversal_voucher) == [
        ("131000", "bill_of_exchange", "-150.00", "-150.00"),
        ("130100", "customer_balance", "150.00", "150.00"),
    ]
    assert balance(bank["FAB"], "131000") == 0
    assert balance(bank["FAB"], "130100") == Decimal("150.00")
    with pytest.raises(BillInvalid, match="has no step left to reverse"):
        bill_reverse(bill=bill, actor=None)


def test_bill_reverse_of_the_acceptance_posts_nothing(bank):
    bill = bill_accept(bill=draw(bank), on=date(2026, 3, 11), actor=None)
    vouchers = Voucher.objects.count()
    bill = bill_reverse(bill=bill, actor=None)
    assert bill.status == S.DRAWN
    assert Voucher.objects.count() == vouchers
    assert bill.steps.last().reversed_on == date(2026, 3, 11)


@pytest.mark.parametrize("mode", ["collection", "discount"])
def test_bill_reverse_of_the_remittance(bank, mode):
    bill = _remitted(bank, mode, Decimal("2.00"))
    step = bill.steps.last()
    bill = bill_reverse(bill=bill, on=date(2026, 3, 13), actor=None)
    assert (bill.status, bill.bank_account, bill.discount_accounting_amount) == (
        S.ACCEPTED,
        None,
        None,
    )
    step.refresh_from_db()
    assert step.reversal_voucher.date == date(2026, 3, 13)
    assert lines(step.reversal_voucher) == [
        (a, t, f"{-Decimal(x):.2f}", f"{-Decimal(y):.2f}") for a, t, x, y in lines(step.voucher)
    ]
    for number in ("131000", "131100", "255000", "110200", "605000", "606000"):
        assert balance(bank["FAB"], number) == (Decimal("150.00") if number == "131000" else 0)
    # The bill can go on: remitted again, now for the other mode.
    other = "discount" if mode == "collection" else "collection"
    bill = bill_remit(
        bill=bill, on=date(2026, 3, 14), bank_account=bank["account"], mode=other, actor=None
    )
    assert bill.status == f"remitted_{other}"


@pytest.mark.parametrize("mode", ["collection", "discount"])
def test_bill_reverse_of_the_settlement(bank, mode):
    bill = bill_settle(bill=_remitted(bank, mode), on=DUE, actor=None)
    bill = bill_reverse(bill=bill, actor=None)
    assert bill.status == f"remitted_{mode}"
    assert bill.bank_account == bank["account"]
    assert balance(bank["FAB"], "131100" if mode == "collection" else "255000") == (
        Decimal("150.00") if mode == "collection" else Decimal("-150.00")
    )


def test_bill_reverse_of_the_protest_closes_its_debit(bank):
    bill = bill_protest(
        bill=_remitted(bank, "discount", Decimal("3.00")),
        on=date(2026, 5, 2),
        charges=Decimal("10.00"),
        actor=None,
    )
    debit = bill.protest_transaction
    step = bill.steps.last()
    bill = bill_reverse(bill=bill, actor=None)
    assert (bill.status, bill.protest_transaction) == (S.REMITTED_DISCOUNT, None)
    debit.refresh_from_db()
    assert (debit.open_amount, debit.open_accounting_amount, debit.closed_on) == (
        0,
        0,
        date(2026, 5, 2),
    )
    step.refresh_from_db()
    assert step.reversal_voucher.reverses_id == step.voucher_id
    assert balance(bank["FAB"], "130100") == 0
    assert balance(bank["FAB"], "255000") == Decimal("-150.00")
    assert balance(bank["FAB"], "110200") == Decimal("147.00")


def test_bill_reverse_of_a_protest_whose_debit_was_paid_is_refused(bank):
    bill = bill_protest(bill=draw(bank), on=date(2026, 5, 2), actor=None)
    payment = post_payment(bank["customers"]["FAB"], amount="150.00", on=date(2026, 5, 3))
    settlement_create(
        lines=[
            SettlementLineInput(payment.open_transaction.pk),
            SettlementLineInput(bill.protest_transaction.pk),
        ],
        on=date(2026, 5, 3),
        primary=None,
        actor=None,
    )
    with pytest.raises(DocumentSettled) as e:
        bill_reverse(bill=bill, actor=None)
    assert e.value.message == (
        "The protested bill FAB-BOE00000001 is settled (150.00 of 150.00): reverse its "
        "settlements first."
    )
    assert (e.value.field, e.value.http_status) == ("bill", 409)
    assert BillOfExchange.objects.get(pk=bill.pk).status == S.PROTESTED


def test_bill_reverse_only_the_last_step_then_the_one_before(bank):
    bill = bill_settle(bill=_remitted(bank), on=DUE, actor=None)
    for expected in (S.REMITTED_COLLECTION, S.ACCEPTED, S.DRAWN, S.REVERSED):
        bill = bill_reverse(bill=bill, actor=None)
        assert bill.status == expected
    assert [s.reversed for s in bill.steps.all()] == [True, True, True, True]
    assert [balance(bank["FAB"], n) for n in ("131000", "131100", "110200")] == [0, 0, 0]


def test_bill_reverse_refuses_a_date_before_the_step(bank):
    bill = _remitted(bank)
    with pytest.raises(BillInvalid, match="before the step it reverses") as e:
        bill_reverse(bill=bill, on=date(2026, 3, 11), actor=None)
    assert e.value.field == "date"


# --- the map of allowed transitions ----------------------------------------------------------

STEPS = ["accept", "remit_collection", "remit_discount", "settle", "protest"]


def _bill_in(bank, status):
    bill = draw(bank)
    if status == S.DRAWN:
        return bill
    if status == S.REVERSED:
        return bill_reverse(bill=bill, actor=None)
    bill = bill_accept(bill=bill, on=date(2026, 3, 11), actor=None)
    if status == S.PROTESTED:
        return bill_protest(bill=bill, on=date(2026, 3, 12), actor=None)
    if status == S.ACCEPTED:
        return bill
    mode = "discount" if status == S.REMITTED_DISCOUNT else "collection"
    bill = bill_remit(
        bill=bill, on=date(2026, 3, 12), bank_account=bank["account"], mode=mode, actor=None
    )
    return bill_settle(bill=bill, on=DUE, actor=None) if status == S.SETTLED else bill


def _step(bank, bill, step):
    on = date(2026, 5, 5)
    if step == "accept":
        return bill_accept(bill=bill, on=on, actor=None)
    if step.startswith("remit_"):
        return bill_remit(bill=bill, on=on, bank_account=bank["account"], mode=step[6:], actor=None)
    if step == "settle":
        return bill_settle(bill=bill, on=on, actor=None)
    return bill_protest(bill=bill, on=on, actor=None)


WRONG = [(status, step) for status in S.values for step in STEPS if step not in TRANSITIONS[status]]


def test_transitions_map_is_the_documented_one():
    assert {s: sorted(steps.items()) for s, steps in TRANSITIONS.items()} == {
        "drawn": [("accept", "accepted"), ("protest", "protested")],
        "accepted": [
            ("protest", "protested"),
            ("remit_collection", "remitted_collection"),
            ("remit_discount", "remitted_discount"),
        ],
        "remitted_collection": [("protest", "protested"), ("settle", "settled")],
        "remitted_discount": [("protest", "protested"), ("settle", "settled")],
        "settled": [],
        "protested": [],
        "reversed": [],
    }
    assert len(WRONG) == 26  # 7 statuses × 5 steps, less the 9 allowed


@pytest.mark.parametrize(("status", "step"), WRONG)
def test_transitions_refuse_each_wrong_step(bank, status, step):
    bill = _bill_in(bank, status)
    entries = LedgerEntry.objects.count()
    with pytest.raises(BillStepNotAllowed, match="Allowed steps: ") as e:
        _step(bank, bill, step)
    assert e.value.http_status == 409
    assert e.value.field == "status"
    assert e.value.extra["allowed"] == list(TRANSITIONS[status])
    assert LedgerEntry.objects.count() == entries
    assert BillOfExchange.objects.get(pk=bill.pk).status == status


def test_transitions_refusal_names_the_allowed_steps(bank):
    bill = draw(bank)
    with pytest.raises(BillStepNotAllowed) as e:
        bill_settle(bill=bill, on=DUE, actor=None)
    assert e.value.message == (
        "Bill FAB-BOE00000001 is drawn: it cannot be settled now. Allowed steps: accept, protest."
    )
    bill = bill_settle(bill=_remitted(bank), on=DUE, actor=None)
    with pytest.raises(BillStepNotAllowed, match=r"Allowed steps: none \(the bill is final\)"):
        bill_protest(bill=bill, on=DUE, actor=None)


# --- bad input -------------------------------------------------------------------------------


def _draw_with(bank, transactions, **given):
    values = {
        "legal_entity": bank["FAB"],
        "customer": bank["customers"]["FAB"],
        "on": date(2026, 3, 10),
        "due_date": DUE,
        "transactions": transactions,
        "actor": None,
    }
    return bill_draw(**{**values, **given})


def _nothing_posted(before: int) -> None:
    assert LedgerEntry.objects.count() == before
    assert not BillOfExchange.objects.exists()
    assert not Payment.objects.filter(method="bill_of_exchange").exists()


def test_bill_draw_refuses_a_debit_of_another_customer(bank):
    (mine,) = invoices(bank, "100.00")
    theirs = post_invoice(bank["customers"]["FABE"], amounts=["40.00"])
    before = LedgerEntry.objects.count()
    with pytest.raises(BillInvalid) as e:
        _draw_with(bank, [mine.open_transaction.pk, theirs.open_transaction.pk])
    assert e.value.message == (
        f"Transaction {theirs.number} is of customer 4000 in FABE, not of customer 4000 in FAB."
    )
    assert e.value.field == "transactions"
    _nothing_posted(before)
    mine.open_transaction.refresh_from_db()
    assert mine.open_transaction.open_amount == Decimal("100")


def test_bill_draw_refuses_a_debit_of_another_party(bank):
    from tests.factories.entities import CustomerFactory, PartyFactory

    other = CustomerFactory(
        legal_entity=bank["FAB"], account="5000", party=PartyFactory(number="5050")
    )
    theirs = post_invoice(other, amounts=["40.00"])
    with pytest.raises(BillInvalid, match=f"{theirs.number} is of party 5050, not of customer"):
        _draw_with(bank, [theirs.open_transaction.pk])


def test_bill_draw_refuses_a_debit_already_settled(bank):
    (invoice,) = invoices(bank, "100.00")
    _draw_with(bank, [invoice.open_transaction.pk])
    before = LedgerEntry.objects.count()
    with pytest.raises(BillInvalid, match=f"Transaction {invoice.number} is already settled."):
        _draw_with(bank, [invoice.open_transaction.pk])
    assert LedgerEntry.objects.count() == before


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"transactions": []}, "transactions", "Choose at least one open debit"),
        ({"transactions": [999999]}, "transactions", "Open transaction 999999 does not exist."),
        ({"due_date": date(2026, 3, 9)}, "due_date", "due date 2026-03-09 is before the date"),
        ({"on": date(2026, 3, 1)}, "date", "before the date of FAB-INV"),
    ],
)
def test_bill_draw_bad_input(bank, given, field, message):
    (invoice,) = invoices(bank, "100.00")
    given = {"transactions": [invoice.open_transaction.pk], **given}
    before = LedgerEntry.objects.count()
    with pytest.raises(BillInvalid, match=message) as e:
        _draw_with(bank, **given)
    assert e.value.field == field
    _nothing_posted(before)


def test_bill_draw_refuses_a_credit_and_a_customer_of_another_entity(bank):
    payment = post_payment(bank["customers"]["FAB"])
    with pytest.raises(BillInvalid, match="is not a debit") as e:
        _draw_with(bank, [payment.open_transaction.pk])
    assert e.value.field == "transactions"
    (invoice,) = invoices(bank, "100.00")
    with pytest.raises(BillInvalid, match="Customer 4000 is not a customer of FAB") as e:
        _draw_with(bank, [invoice.open_transaction.pk], customer=bank["customers"]["FABE"])
    assert e.value.field == "customer"


def test_bill_draw_refuses_debits_in_two_currencies(bank):
    from tests.factories.entities import ExchangeRateFactory

    ExchangeRateFactory(rate=Decimal("1.2"), valid_from=date(2026, 3, 1))
    usd = post_invoice(bank["customers"]["FAB"], amounts=["10.00"])
    eur = post_invoice(bank["customers"]["FAB"], amounts=["10.00"], currency="EUR")
    with pytest.raises(BillInvalid, match=r"different currencies \(EUR, USD\)"):
        _draw_with(bank, [usd.open_transaction.pk, eur.open_transaction.pk])


def _other_bank_account(bank, entity, currency="USD", code="OTHER"):
    main = MainAccount.objects.get(legal_entity=entity, number="110100")
    return BankAccount.objects.create(
        legal_entity=entity,
        code=code,
        name="Other",
        iban="GB82WEST12345698765432" if code == "OTHER" else "FR1420041010050500013M02606",
        currency=currency,
        main_account=main,
    )


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"mode": "cheque"}, "mode", "Unknown mode 'cheque'"),
        ({"bank_account": None}, "bank_account", "Choose the bank account."),
        ({"charges": Decimal("-1.00")}, "charges", "The charges cannot be negative."),
        ({"charges": Decimal("0.001")}, "charges", "0.001 has more decimals than USD allows."),
        (
            {"charges": Decimal("150.00"), "mode": "discount"},
            "charges",
            r"The charges \(150.00\) must be less than the bill \(150.00\).",
        ),
        ({"on": date(2026, 3, 10)}, "date", r"before the bill's last step \(accept on 2026-03-11"),
    ],
)
def test_bill_remit_bad_input(bank, given, field, message):
    bill = bill_accept(bill=draw(bank), on=date(2026, 3, 11), actor=None)
    before = LedgerEntry.objects.count()
    values = {
        "on": date(2026, 3, 12),
        "bank_account": bank["account"],
        "mode": "collection",
        "charges": None,
    }
    with pytest.raises(BillInvalid, match=message) as e:
        bill_remit(bill=bill, actor=None, **{**values, **given})
    assert e.value.field == field
    assert LedgerEntry.objects.count() == before
    assert BillOfExchange.objects.get(pk=bill.pk).status == S.ACCEPTED


def test_bill_remit_refuses_another_entitys_or_currencys_bank_account(bank):
    bill = bill_accept(bill=draw(bank), on=date(2026, 3, 11), actor=None)
    fabe = _other_bank_account(bank, bank["FABE"])
    with pytest.raises(BillInvalid, match="Bank account OTHER is not an account of FAB.") as e:
        bill_remit(
            bill=bill, on=date(2026, 3, 12), bank_account=fabe, mode="collection", actor=None
        )
    assert e.value.field == "bank_account"
    eur = _other_bank_account(bank, bank["FAB"], "EUR", code="EUR")
    with pytest.raises(BillInvalid, match="Bank account EUR is in EUR; the bill is in USD."):
        bill_remit(bill=bill, on=date(2026, 3, 12), bank_account=eur, mode="discount", actor=None)


def test_bill_protest_bad_input(bank):
    bill = _remitted(bank)
    with pytest.raises(BillInvalid, match="The charges cannot be negative.") as e:
        bill_protest(bill=bill, on=DUE, charges=Decimal("-5"), actor=None)
    assert e.value.field == "charges"
    with pytest.raises(BillInvalid, match="before the bill's last step") as e:
        bill_protest(bill=bill, on=date(2026, 3, 1), actor=None)
    assert e.value.field == "date"
    other = _other_bank_account(bank, bank["FAB"])
    with pytest.raises(BillInvalid, match="is at bank account MAIN") as e:
        bill_protest(bill=bill, on=DUE, bank_account=other, actor=None)
    assert e.value.field == "bank_account"
    assert not OpenTransaction.objects.filter(kind="protested_bill").exists()


def test_bill_steps_refused_once_the_draws_settlement_was_reversed_elsewhere(bank):
    """By hand it is refused (the bill owns it); reversed without the guard (as before the
    guard existed), the bill's steps stop and only the draw's reversal is left."""
    bill = draw(bank)
    with pytest.raises(SettlementConflict, match="bill of exchange"):
        settlement_reverse(settlement=bill.settlement, actor=None)
    settlement_reverse(settlement=bill.settlement, actor=None, guarded=False)
    with pytest.raises(BillInvalid, match="reverse the bill's draw instead") as e:
        bill_accept(bill=bill, on=date(2026, 3, 11), actor=None)
    assert e.value.field == "bill"
    bill = bill_reverse(bill=bill, actor=None)
    assert bill.status == S.REVERSED


def test_bill_steps_refused_in_an_entity_not_granted(bank):
    from core.errors import ApplicationError
    from tests.conftest import make_clerk

    bill = draw(bank)
    clerk = make_clerk("fabe-clerk", bank["FABE"])
    with pytest.raises(ApplicationError) as e:
        bill_accept(bill=bill, on=date(2026, 3, 11), actor=clerk)
    assert e.value.http_status == 403
    with pytest.raises(ApplicationError) as e:
        _draw_with(bank, [], actor=clerk)
    assert e.value.http_status == 403
