"""What the card payment tests share: a bank with a card clearing account, the test cards and
the ledger as lines by account."""

from datetime import date
from decimal import Decimal

from banking.cards import CardData
from banking.models import CardClearingAccount
from ledger.models import LedgerEntry
from receivables.models import OpenTransaction

ON = date(2026, 3, 10)
APPROVES = "4242424242424242"
DECLINES = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
FAILS = "4000000000000119"
CAPTURE_DECLINED = "4000000000000341"
CAPTURE_FAILS = "4000000000000259"
TEST_NUMBERS = (APPROVES, DECLINES, INSUFFICIENT_FUNDS, FAILS, CAPTURE_DECLINED, CAPTURE_FAILS)


def card(number: str = APPROVES, month: int = 12, year: int = 2030, cvc: str = "123") -> CardData:
    return CardData(number=number, expiry_month=month, expiry_year=year, cvc=cvc)


def clearing(bank) -> CardClearingAccount:
    return CardClearingAccount.objects.create(
        legal_entity=bank["FAB"], bank_account=bank["account"]
    )


def ot_of(document) -> OpenTransaction:
    return OpenTransaction.objects.get(pk=document.open_transaction.pk)


def balances(entity) -> dict[str, Decimal]:
    """The entity's ledger by account number (accounts at zero left out)."""
    rows: dict[str, Decimal] = {}
    for e in LedgerEntry.objects.filter(legal_entity=entity).select_related("account"):
        rows[e.account.number] = rows.get(e.account.number, Decimal(0)) + e.amount
    return {k: v for k, v in rows.items() if v != 0}


def lines_of(voucher) -> list[tuple[str, str, Decimal]]:
    """A voucher's lines: (account, posting type, amount), debits first."""
    return sorted(
        (
            (e.account.number, e.posting_type, e.amount)
            for e in LedgerEntry.objects.filter(voucher=voucher).select_related("account")
        ),
        key=lambda row: (-row[2], row[0]),
    )
