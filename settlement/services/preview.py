"""What a settlement would do, as plain data for the Settle transactions page and the API alike:
each marked transaction with its amounts signed as the transaction is (debit positive), the
vouchers per legal entity with the main account each line goes to, and the totals of the marked
side."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.audit import Actor
from core.money import ZERO
from entities.models import LegalEntity
from ledger.models import MainAccount, PostingType
from receivables.models import OpenTransaction

from ..selectors import AccountKey, posting_account_of, posting_accounts
from . import SettlementLineInput, SettlementPlan, settlement_preview


@dataclass(frozen=True)
class PreviewLine:
    transaction: OpenTransaction
    settled_amount: Decimal
    cash_discount: Decimal
    payment_difference: Decimal
    open_amount_after: Decimal

    @property
    def currency(self) -> str:
        return self.transaction.currency


@dataclass(frozen=True)
class PreviewPosting:
    legal_entity: LegalEntity
    posting_type: str
    counterparty: LegalEntity | None
    currency: str
    amount: Decimal
    accounting_amount: Decimal
    accounting_currency: str
    # The entity's posting setup for the type (and counterparty); None when it names none.
    account: MainAccount | None = None

    @property
    def posting_type_label(self) -> str:
        return PostingType(self.posting_type).label


@dataclass(frozen=True)
class PreviewVoucher:
    legal_entity: LegalEntity
    lines: list[PreviewPosting]


@dataclass(frozen=True)
class PreviewTotals:
    """Marked and still open per side; discount and difference net (debits less credits)."""

    currency: str
    marked_debit: Decimal
    marked_credit: Decimal
    cash_discount: Decimal
    payment_difference: Decimal
    open_debit: Decimal
    open_credit: Decimal


@dataclass(frozen=True)
class SettlementPreview:
    lines: list[PreviewLine]
    vouchers: list[PreviewVoucher]
    totals: PreviewTotals

    @property
    def postings(self) -> list[PreviewPosting]:
        return [posting for voucher in self.vouchers for posting in voucher.lines]


def preview_from_plan(
    plan: SettlementPlan, accounts: dict[AccountKey, MainAccount] | None = None
) -> SettlementPreview:
    """The preview of a computed plan, each posting with its account from ``accounts`` (the
    posting setup read by ``posting_accounts``); reads nothing more from the database."""
    lines = []
    for item in plan.items:
        ot = plan.transactions[item.key]
        sign = 1 if item.is_debit else -1
        lines.append(
            PreviewLine(
                transaction=ot,
                settled_amount=sign * item.cash,
                cash_discount=sign * item.discount,
                payment_difference=sign * item.difference,
                open_amount_after=ot.open_amount - sign * item.reduction,
            )
        )
    vouchers = [
        PreviewVoucher(
            legal_entity=voucher.legal_entity,
            lines=[
                PreviewPosting(
                    legal_entity=voucher.legal_entity,
                    posting_type=line.posting_type,
                    counterparty=line.counterparty,
                    currency=line.currency,
                    amount=line.amount,
                    accounting_amount=line.accounting_amount,
                    accounting_currency=voucher.legal_entity.accounting_currency,
                    account=posting_account_of(accounts, voucher.legal_entity, line)
                    if accounts
                    else None,
                )
                for line in voucher.lines
            ],
        )
        for voucher in plan.vouchers
    ]
    return SettlementPreview(lines=lines, vouchers=vouchers, totals=_totals(plan))


def _totals(plan: SettlementPlan) -> PreviewTotals:
    debits = [i for i in plan.items if i.is_debit]
    credits = [i for i in plan.items if not i.is_debit]
    return PreviewTotals(
        currency=plan.items[0].currency,
        marked_debit=sum((i.open for i in debits), ZERO),
        marked_credit=sum((i.open for i in credits), ZERO),
        cash_discount=sum((i.discount for i in debits), ZERO)
        - sum((i.discount for i in credits), ZERO),
        payment_difference=sum((i.difference for i in debits), ZERO)
        - sum((i.difference for i in credits), ZERO),
        open_debit=sum((i.open - i.reduction for i in debits), ZERO),
        open_credit=sum((i.open - i.reduction for i in credits), ZERO),
    )


def settlement_preview_data(
    *, lines: list[SettlementLineInput], on: date, primary: int | None, actor: Actor
) -> SettlementPreview:
    """What settling would do, for a reader: nothing is locked or written."""
    plan = settlement_preview(lines=lines, on=on, primary=primary, actor=actor)
    accounts = posting_accounts({voucher.legal_entity.pk for voucher in plan.vouchers})
    return preview_from_plan(plan, accounts)
