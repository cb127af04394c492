"""Every step's voucher of a bill of exchange, worked by hand: the collection path, the discount
path, protests (with charges) from each status, and a bill in another currency. FAB, USD; the
bill of 150.00 is drawn on customer 4000 for invoices of 100.00 and 50.00."""

from datetime import date
from decimal import Decimal

from banking.models import BillOfExchange, BillOfExchangeStep
from banking.services.bills import bill_accept, bill_protest, bill_remit, bill_settle
from receivables.models import OpenTransaction, Payment
from tests.banking.bills import DUE, balance, draw, lines
from tests.factories.entities import ExchangeRateFactory
from tests.factories.receivables import post_invoice

BILL_ACCOUNTS = ("131000", "131100", "255000")


def _accepted(bank, *amounts):
    bill = draw(bank, *amounts)
    return bill_accept(bill=bill, on=date(2026, 3, 11), actor=None)


def test_bill_draw_posts_the_bill_and_settles_its_debits(bank):
    bill = draw(bank, "100.00", "50.00")
    assert bill.number == "FAB-BOE00000001"
    assert (bill.status, bill.amount, bill.accounting_amount) == ("drawn", Decimal("150"), 150)
    assert lines(bill.payment.voucher) == [
        ("131000", "bill_of_exchange", "150.00", "150.00"),
        ("130100", "customer_balance", "-150.00", "-150.00"),
    ]
    assert bill.payment.method == Payment.Method.BILL_OF_EXCHANGE
    assert bill.payment.reference == bill.number
    debits = [t.open_transaction for t in bill.transactions.all()]
    for ot in debits:
        ot.refresh_from_db()
    assert [(ot.open_amount, ot.closed_on) for ot in debits] == [
        (0, date(2026, 3, 10)),
        (0, date(2026, 3, 10)),
    ]
    assert [t.amount for t in bill.transactions.all()] == [Decimal("100"), Decimal("50")]
    assert OpenTransaction.objects.get(payment=bill.payment).open_amount == 0
    assert balance(bank["FAB"], "130100") == 0
    assert balance(bank["FAB"], "131000") == Decimal("150.00")
    (step,) = bill.steps.all()
    assert (step.kind, step.status_before, step.status_after) == ("draw", "", "drawn")


def test_bill_accept_posts_nothing(bank):
    bill = _accepted(bank)
    assert bill.status == "accepted"
    step = bill.steps.last()
    assert (step.kind, step.voucher, step.date) == ("accept", None, date(2026, 3, 11))


def test_collection_path_vouchers(bank):
    bill = _accepted(bank)
    bill = bill_remit(
        bill=bill,
        on=date(2026, 3, 12),
        bank_account=bank["account"],
        mode="collection",
        charges=Decimal("2.50"),
        actor=None,
    )
    remit = bill.steps.last()
    assert (bill.status, bill.bank_account, remit.charges) == (
        "remitted_collection",
        bank["account"],
        Decimal("2.50"),
    )
    assert lines(remit.voucher) == [
        ("131100", "bill_remitted_collection", "150.00", "150.00"),
        ("131000", "bill_of_exchange", "-150.00", "-150.00"),
        ("605000", "bank_charges", "2.50", "2.50"),
        ("110200", "bank", "-2.50", "-2.50"),
    ]
    bill = bill_settle(bill=bill, on=DUE, actor=None)
    settle = bill.steps.last()
    assert bill.status == "settled"
    assert lines(settle.voucher) == [
        ("110200", "bank", "150.00", "150.00"),
        ("131100", "bill_remitted_collection", "-150.00", "-150.00"),
    ]
    assert [balance(bank["FAB"], n) for n in BILL_ACCOUNTS] == [0, 0, 0]
    assert balance(bank["FAB"], "110200") == Decimal("147.50")


def test_discount_path_vouchers(bank):
    bill = bill_remit(
        bill=_accepted(bank),
        on=date(2026, 3, 12),
        bank_account=bank["account"],
        mode="discount",
        charges=Decimal("3.00"),
        actor=None,
    )
    remit = bill.steps.last()
    assert (bill.status, bill.discount_accounting_amount) == ("remitted_discount", Decimal(150))
    assert lines(remit.voucher) == [
        ("110200", "bank", "147.00", "147.00"),
        ("606000", "bill_discount_charges", "3.00", "3.00"),
        ("255000", "bill_remitted_discount", "-150.00", "-150.00"),
    ]
    assert balance(bank["FAB"], "131000") == Decimal("150.00")  # still the customer's promise
    bill = bill_settle(bill=bill, on=DUE, actor=None)
    assert lines(bill.steps.last().voucher) == [
        ("255000", "bill_remitted_discount", "150.00", "150.00"),
        ("131000", "bill_of_exchange", "-150.00", "-150.00"),
    ]
    assert [balance(bank["FAB"], n) for n in BILL_ACCOUNTS] == [0, 0, 0]
    assert balance(bank["FAB"], "110200") == Decimal("147.00")
    assert balance(bank["FAB"], "606000") == Decimal("3.00")


def _protest_debit(bill) -> OpenTransaction:
    ot = bill.protest_transaction
    assert (ot.kind, ot.document_number, ot.customer_id) == (
        "protested_bill",
        bill.number,
        bill.customer_id,
    )
    return ot


def test_protest_of_an_accepted_bill_with_charges(bank):
    bill = bill_protest(
        bill=_accepted(bank),
        on=date(2026, 5, 2),
        charges=Decimal("12.00"),
        bank_account=bank["account"],
        actor=None,
    )
    step = bill.steps.last()
    assert (bill.status, step.charges) == ("protested", Decimal("12.00"))
    assert lines(step.voucher) == [
        ("130100", "customer_balance", "150.00", "150.00"),
        ("131000", "bill_of_exchange", "-150.00", "-150.00"),
        ("605000", "bank_charges", "12.00", "12.00"),
        ("110200", "bank", "-12.00", "-12.00"),
        ("130100", "customer_balance", "12.00", "12.00"),
        ("605000", "bank_charges", "-12.00", "-12.00"),
    ]
    ot = _protest_debit(bill)
    assert (ot.amount, ot.open_amount, ot.open_accounting_amount, ot.due_date) == (
        Decimal("162"),
        Decimal("162"),
        Decimal("162"),
        date(2026, 5, 2),
    )
    assert balance(bank["FAB"], "130100") == Decimal("162.00")
    assert balance(bank["FAB"], "131000") == 0
    assert balance(bank["FAB"], "605000") == 0  # the fee is the customer's


def test_protest_of_a_drawn_bill_without_bank_account_uses_the_bank_setup(bank):
    bill = bill_protest(bill=draw(bank), on=date(2026, 5, 2), charges=Decimal("5.00"), actor=None)
    assert lines(bill.steps.last().voucher)[2:4] == [
        ("605000", "bank_charges", "5.00", "5.00"),
        ("110100", "bank", "-5.00", "-5.00"),
    ]


def test_protest_of_a_bill_remitted_for_collection(bank):
    bill = bill_remit(
        bill=_accepted(bank),
        on=date(2026, 3, 12),
        bank_account=bank["account"],
        mode="collection",
        actor=None,
    )
    bill = bill_protest(bill=bill, on=date(2026, 5, 2), charges=Decimal("7.50"), actor=None)
    step = bill.steps.last()
    assert step.bank_account == bank["account"]
    assert lines(step.voucher) == [
        ("130100", "customer_balance", "150.00", "150.00"),
        ("131100", "bill_remitted_collection", "-150.00", "-150.00"),
        ("605000", "bank_charges", "7.50", "7.50"),
        ("110200", "bank", "-7.50", "-7.50"),
        ("130100", "customer_balance", "7.50", "7.50"),
        ("605000", "bank_charges", "-7.50", "-7.50"),
    ]
    assert _protest_debit(bill).amount == Decimal("157.50")
    assert [balance(bank["FAB"], n) for n in BILL_ACCOUNTS] == [0, 0, 0]


def test_protest_of_a_discounted_bill_the_bank_takes_its_advance_back(bank):
    bill = bill_remit(
        bill=_accepted(bank),
        on=date(2026, 3, 12),
        bank_account=bank["account"],
        mode="discount",
        charges=Decimal("3.00"),
        actor=None,
    )
    bill = bill_protest(bill=bill, on=date(2026, 5, 2), charges=Decimal("10.00"), actor=None)
    assert lines(bill.steps.last().voucher) == [
        ("130100", "customer_balance", "150.00", "150.00"),
        ("131000", "bill_of_exchange", "-150.00", "-150.00"),
        ("255000", "bill_remitted_discount", "150.00", "150.00"),
        ("110200", "bank", "-150.00", "-150.00"),
        ("605000", "bank_charges", "10.00", "10.00"),
        ("110200", "bank", "-10.00", "-10.00"),
        ("130100", "customer_balance", "10.00", "10.00"),
        ("605000", "bank_charges", "-10.00", "-10.00"),
    ]
    assert _protest_debit(bill).open_amount == Decimal("160.00")
    assert [balance(bank["FAB"], n) for n in BILL_ACCOUNTS] == [0, 0, 0]
    # The advance (147.00) less what the bank took back (150.00 + 10.00).
    assert balance(bank["FAB"], "110200") == Decimal("-13.00")


def test_protested_debit_is_drawn_again_on_a_new_bill(bank):
    from banking.services.bills import bill_draw

    bill = bill_protest(bill=draw(bank), on=date(2026, 5, 2), charges=Decimal("5.00"), actor=None)
    again = bill_draw(
        legal_entity=bank["FAB"],
        customer=bank["customers"]["FAB"],
        on=date(2026, 5, 3),
        due_date=date(2026, 6, 30),
        transactions=[bill.protest_transaction.pk],
        actor=None,
    )
    assert (again.number, again.amount) == ("FAB-BOE00000002", Decimal("155.00"))
    bill.protest_transaction.refresh_from_db()
    assert bill.protest_transaction.open_amount == 0


def test_bill_in_another_currency_books_the_exchange_difference(bank):
    """EUR bill in a USD entity: drawn at 1.2062 (600.00 = 723.72), remitted for collection at
    the carrying value, settled at 1.2277 (736.62): the 12.90 is a realized gain."""
    ExchangeRateFactory(rate=Decimal("1.2062"), valid_from=date(2026, 3, 2))
    ExchangeRateFactory(rate=Decimal("1.2277"), valid_from=date(2026, 4, 30))
    invoice = post_invoice(bank["customers"]["FAB"], amounts=["600.00"], currency="EUR")
    bank["account"].currency = "EUR"
    bank["account"].save()
    from banking.services.bills import bill_draw

    bill = bill_draw(
        legal_entity=bank["FAB"],
        customer=bank["customers"]["FAB"],
        on=date(2026, 3, 10),
        due_date=DUE,
        transactions=[invoice.open_transaction.pk],
        actor=None,
    )
    assert bill.accounting_amount == Decimal("723.72")
    bill = bill_accept(bill=bill, on=date(2026, 3, 11), actor=None)
    bill = bill_remit(
        bill=bill, on=date(2026, 3, 12), bank_account=bank["account"], mode="collection", actor=None
    )
    assert lines(bill.steps.last().voucher) == [
        ("131100", "bill_remitted_collection", "600.00", "723.72"),
        ("131000", "bill_of_exchange", "-600.00", "-723.72"),
    ]
    bill = bill_settle(bill=bill, on=DUE, actor=None)
    assert lines(bill.steps.last().voucher) == [
        ("110200", "bank", "600.00", "736.62"),
        ("131100", "bill_remitted_collection", "-600.00", "-723.72"),
        ("711000", "fx_realized_gain", "0.00", "-12.90"),
    ]
    assert [balance(bank["FAB"], n) for n in BILL_ACCOUNTS] == [0, 0, 0]


def test_every_step_is_audited(bank):
    from core.models import AuditEntry

    bill = bill_settle(
        bill=bill_remit(
            bill=_accepted(bank),
            on=date(2026, 3, 12),
            bank_account=bank["account"],
            mode="collection",
            actor=None,
        ),
        on=DUE,
        actor=None,
    )
    actions = list(
        AuditEntry.objects.filter(object_id=str(bill.pk), action__startswith="bill_of_exchange.")
        .order_by("id")
        .values_list("action", "changes")
    )
    assert [a for a, _ in actions] == [
        "bill_of_exchange.draw",
        "bill_of_exchange.accept",
        "bill_of_exchange.remit_collection",
        "bill_of_exchange.settle",
    ]
    assert actions[3][1]["status"] == ["remitted_collection", "settled"]
    assert BillOfExchangeStep.objects.filter(bill=bill).count() == 4
    assert BillOfExchange.objects.get(pk=bill.pk).status == "settled"
