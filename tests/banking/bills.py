"""What the bill of exchange tests share: a bill drawn on FAB's customer 4000 for two invoices
(100.00 and 50.00), and the lines of a voucher as (account, posting type, amount, accounting
amount) to compare with the postings worked by hand."""

from datetime import date
from decimal import Decimal

from banking.services.bills import bill_draw
from ledger.models import LedgerEntry
from tests.factories.receivables import post_invoice

DRAWN_ON = date(2026, 3, 10)
DUE = date(2026, 4, 30)


def invoices(bank, *amounts: str):
    customer = bank["customers"]["FAB"]
    return [post_invoice(customer, amounts=[a]) for a in amounts]


def draw(bank, *amounts: str, on=DRAWN_ON, due=DUE, actor=None):
    posted = invoices(bank, *(amounts or ("100.00", "50.00")))
    return bill_draw(
        legal_entity=bank["FAB"],
        customer=bank["customers"]["FAB"],
        on=on,
        due_date=due,
        transactions=[i.open_transaction.pk for i in posted],
        actor=actor,
    )


def lines(voucher) -> list[tuple[str, str, str, str]]:
    return [
        (e.account.number, e.posting_type, f"{e.amount:.2f}", f"{e.accounting_amount:.2f}")
        for e in LedgerEntry.objects.filter(voucher=voucher)
        .select_related("account")
        .order_by("id")
    ]


def balance(entity, number: str) -> Decimal:
    total = sum(
        (
            e.accounting_amount
            for e in LedgerEntry.objects.filter(legal_entity=entity, account__number=number)
        ),
        Decimal("0"),
    )
    return total.quantize(Decimal("0.01"))
