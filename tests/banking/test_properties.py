"""Bank statement invariants under random books (hypothesis): invoices of party 4050's
customers in FAB and FABE, some with a cash discount, and statements generated from them whose
lines pay invoices fully, partly, several at once (across entities), on account, or are bank
charges or ignored; marked and posted through the services. After every statement: the ledger
is sound, the customer-balance accounts equal the open items, no open transaction is
over-settled, each invoice is open by exactly what its line left, and the bank account's
ledger balance is the sum of the posted lines."""

from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banking.models import BankStatementLine
from banking.services.lines import (
    MarkedInput,
    line_customer_set,
    line_posting_type_set,
    line_status_set,
    line_transactions_mark,
)
from banking.services.posting import statement_post
from core.aggregates import DecimalSum
from ledger.models import LedgerEntry
from ledger.selectors import ledger_integrity_problems
from receivables.discounts import open_transaction_discount_amount
from receivables.models import OpenTransaction
from tests.factories.entities import CashDiscountFactory, CustomerFactory
from tests.factories.receivables import post_invoice

from .helpers import line, statement_with

D = Decimal
CENT = D("0.01")
Status = BankStatementLine.Status
CUSTOMERS = (("FAB", "4000"), ("FAB", "4001"), ("FABE", "4000"), ("FABE", "4002"))

amount = st.integers(min_value=1, max_value=500_000).map(lambda n: D(n) / 100)
discounted = st.booleans()
invoice = st.fixed_dictionaries(
    {"customer": st.sampled_from(CUSTOMERS), "amount": amount, "discount": discounted}
)
statement_line = st.one_of(
    st.fixed_dictionaries({"kind": st.just("full"), "invoices": st.lists(invoice, max_size=1)}),
    st.fixed_dictionaries(
        {"kind": st.just("several"), "invoices": st.lists(invoice, min_size=2, max_size=3)}
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("partial"),
            "invoice": invoice,
            # 98 and 99 % of a discounted invoice pay more than its discounted amount.
            "percent": st.one_of(st.integers(min_value=1, max_value=99), st.sampled_from([98, 99])),
            # Money beyond what is marked stays open on account.
            "extra": st.one_of(st.just(D("0")), amount),
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("on_account"),
            # A payment on account is the bank account's entity's.
            "customer": st.sampled_from(CUSTOMERS[:2]),
            "amount": amount,
        }
    ),
    st.fixed_dictionaries({"kind": st.just("charges"), "amount": amount}),
    st.fixed_dictionaries({"kind": st.just("ignored"), "amount": amount}),
)


def assert_books_sound(bank) -> None:
    assert ledger_integrity_problems() == []
    for code in ("FAB", "FABE"):
        entity = bank[code]
        balance = LedgerEntry.objects.filter(
            legal_entity=entity, posting_type="customer_balance"
        ).aggregate(s=DecimalSum("accounting_amount"))["s"] or D("0")
        opened = OpenTransaction.objects.filter(legal_entity=entity).aggregate(
            s=DecimalSum("open_accounting_amount")
        )["s"] or D("0")
        assert balance == opened, code
    for ot in OpenTransaction.objects.all():
        if ot.amount > 0:
            assert 0 <= ot.open_amount <= ot.amount, ot
        else:
            assert ot.amount <= ot.open_amount <= 0, ot
    ledger = LedgerEntry.objects.filter(account=bank["main"]).aggregate(s=DecimalSum("amount"))[
        "s"
    ] or D("0")
    posted = BankStatementLine.objects.filter(status=Status.POSTED).aggregate(
        s=DecimalSum("amount")
    )["s"] or D("0")
    assert ledger == posted


@pytest.mark.django_db
def test_posted_statements_keep_the_books_sound(bank, admin_user):
    customers = {
        (code, account): CustomerFactory(
            legal_entity=bank[code], account=account, party=bank["party"]
        )
        for code, account in CUSTOMERS
    }
    discount = CashDiscountFactory(code="2P10")  # 2 % within 10 days: open on the value date
    numbers = count(1)
    done = {"posted": 0, "several_entities": 0}

    def post(spec) -> OpenTransaction:
        document = post_invoice(
            customers[spec["customer"]],
            amounts=[str(spec["amount"])],
            cash_discount=discount if spec["discount"] else None,
        )
        return OpenTransaction.objects.get(pk=document.open_transaction.pk)

    def net(ot: OpenTransaction) -> Decimal:
        """What pays the invoice in full on the value date: open less the discount."""
        return ot.open_amount - abs(open_transaction_discount_amount(ot, on=bank["on"]))

    def prepare(spec) -> tuple[Decimal, list, dict]:
        """The line's amount, its marked transactions and the invoices' expected open
        amounts once posted."""
        if spec["kind"] in ("full", "several"):
            ots = [post(i) for i in spec["invoices"]] or [post(_SMALL)]
            total = sum((net(ot) for ot in ots), D("0"))
            return total, [MarkedInput(ot.pk) for ot in ots], {ot.pk: D("0") for ot in ots}
        if spec["kind"] == "partial":
            ot = post(spec["invoice"])
            paid = max(CENT, (ot.open_amount * spec["percent"] / 100).quantize(CENT))
            paid = min(paid, ot.open_amount - CENT) if ot.open_amount > CENT else paid
            if spec["extra"]:
                # The amount given: a partial payment unless it is exactly the discounted one.
                marked = MarkedInput(ot.pk, amount=paid)
                closes = paid == net(ot)
            else:
                # Without an amount the line pays at most the discounted amount, the rest of
                # the line stays on account.
                marked = MarkedInput(ot.pk)
                closes = paid >= net(ot)
            left = D("0") if closes else ot.open_amount - paid
            return paid + spec["extra"], [marked], {ot.pk: left}
        if spec["kind"] == "on_account":
            return spec["amount"], [customers[spec["customer"]]], {}
        return -spec["amount"], [], {}  # charges and ignored lines: money out

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(statement_line, min_size=1, max_size=5))
    def run(specs):
        prepared = [prepare(spec) for spec in specs]
        statement = statement_with(
            bank,
            [{"amount": str(total)} for total, _, _ in prepared],
            statement_id=f"P{next(numbers)}",
        )
        expected: dict[int, Decimal] = {}
        pairs = zip(specs, prepared, strict=True)
        for sequence, (spec, (_, marked, opens)) in enumerate(pairs, start=1):
            each = line(statement, sequence)
            if spec["kind"] == "on_account":
                line_customer_set(line=each, customer=marked[0], actor=admin_user)
            elif spec["kind"] == "charges":
                line_posting_type_set(line=each, posting_type="bank_charges", actor=admin_user)
            elif spec["kind"] == "ignored":
                line_status_set(line=each, status=Status.IGNORED, actor=admin_user)
            else:
                line_transactions_mark(line=each, transactions=marked, actor=admin_user)
            expected.update(opens)
            if spec["kind"] == "several" and len({i["customer"][0] for i in spec["invoices"]}) > 1:
                done["several_entities"] += 1

        results = statement_post(statement=statement, actor=admin_user)

        assert [r.error for r in results] == [None] * len(results)
        done["posted"] += len(results)
        statuses = [x.status for x in statement.lines.order_by("sequence")]
        assert statuses == [
            Status.IGNORED if spec["kind"] == "ignored" else Status.POSTED for spec in specs
        ]
        actual = dict(
            OpenTransaction.objects.filter(pk__in=expected).values_list("pk", "open_amount")
        )
        assert actual == expected
        for posted in statement.lines.filter(status=Status.POSTED, payment__isnull=False):
            assert posted.payment.amount == posted.amount
            assert posted.payment.legal_entity_id == bank["FAB"].pk
        assert_books_sound(bank)

    run()
    # The examples share the database: they did post, across entities too.
    assert done["posted"] >= 40 and done["several_entities"] >= 3, done


_SMALL = {"customer": ("FAB", "4000"), "amount": D("12.34"), "discount": False}


@pytest.mark.django_db
def test_line_post_of_a_discounted_invoice_on_any_database(bank, admin_user):
    """0.28 paid with 0.01 discount closes 0.29: the settlement line's CHECK (amount = settled +
    discount + difference) holds on SQLite too, where the columns add as floating point."""
    from banking.services.posting import line_post

    invoice = post_invoice(
        bank["customers"]["FAB"], amounts=["0.29"], cash_discount=CashDiscountFactory()
    )
    first = line(statement_with(bank, [{"amount": "0.28"}]), 1)
    line_transactions_mark(
        line=first, transactions=[MarkedInput(invoice.open_transaction.pk)], actor=admin_user
    )
    line_post(line=first, actor=admin_user)
    assert OpenTransaction.objects.get(pk=invoice.open_transaction.pk).open_amount == 0
