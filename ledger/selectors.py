"""Reads of the ledger room: trial balance, vouchers and entries a user may see."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from core.aggregates import DecimalSum
from core.money import ZERO
from entities.models import LegalEntity
from entities.selectors import User, granted_entity_ids

from .models import FiscalPeriod, LedgerEntry, MainAccount, PostingSetup, Voucher


@dataclass(frozen=True)
class TrialBalanceRow:
    account: MainAccount
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


@dataclass(frozen=True)
class TrialBalance:
    legal_entity: LegalEntity
    date_from: date | None
    date_to: date | None
    rows: list[TrialBalanceRow]

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit for r in self.rows), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit for r in self.rows), ZERO)

    @property
    def total_balance(self) -> Decimal:
        return self.total_debit - self.total_credit


_money = DecimalField(max_digits=24, decimal_places=4)


def trial_balance(
    *, legal_entity: LegalEntity, date_from: date | None = None, date_to: date | None = None
) -> TrialBalance:
    """Debit and credit totals per main account in accounting currency, in one query."""
    entries = Q(entries__legal_entity=legal_entity)
    if date_from:
        entries &= Q(entries__date__gte=date_from)
    if date_to:
        entries &= Q(entries__date__lte=date_to)
    positive = Case(
        When(entries__accounting_amount__gt=0, then=F("entries__accounting_amount")),
        default=Value(ZERO),
        output_field=_money,
    )
    negative = Case(
        When(entries__accounting_amount__lt=0, then=-F("entries__accounting_amount")),
        default=Value(ZERO),
        output_field=_money,
    )
    accounts = (
        MainAccount.objects.filter(legal_entity=legal_entity)
        .annotate(
            debit=Coalesce(DecimalSum(positive, filter=entries), Value(ZERO), output_field=_money),
            credit=Coalesce(DecimalSum(negative, filter=entries), Value(ZERO), output_field=_money),
        )
        .order_by("number")
    )
    rows = [TrialBalanceRow(account=a, debit=a.debit, credit=a.credit) for a in accounts]
    return TrialBalance(legal_entity=legal_entity, date_from=date_from, date_to=date_to, rows=rows)


@dataclass(frozen=True)
class AccountEntries:
    """The ledger entries behind one line of the trial balance, with the line's totals."""

    account: MainAccount
    date_from: date | None
    date_to: date | None
    entries: QuerySet[LedgerEntry]
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


def account_entries(
    *, account: MainAccount, date_from: date | None = None, date_to: date | None = None
) -> AccountEntries:
    """The entries posted to ``account`` (in its own legal entity) dated within the range, by
    date and voucher, and their debit and credit totals summed by the database the way the
    trial balance sums them."""
    entries = LedgerEntry.objects.filter(legal_entity_id=account.legal_entity_id, account=account)
    if date_from:
        entries = entries.filter(date__gte=date_from)
    if date_to:
        entries = entries.filter(date__lte=date_to)
    totals = entries.aggregate(
        debit=Coalesce(
            DecimalSum(
                Case(
                    When(accounting_amount__gt=0, then=F("accounting_amount")),
                    default=Value(ZERO),
                    output_field=_money,
                )
            ),
            Value(ZERO),
            output_field=_money,
        ),
        credit=Coalesce(
            DecimalSum(
                Case(
                    When(accounting_amount__lt=0, then=-F("accounting_amount")),
                    default=Value(ZERO),
                    output_field=_money,
                )
            ),
            Value(ZERO),
            output_field=_money,
        ),
    )
    return AccountEntries(
        account=account,
        date_from=date_from,
        date_to=date_to,
        entries=entries.select_related("voucher", "counterparty", "customer").order_by(
            "date", "voucher_id", "id"
        ),
        debit=totals["debit"],
        credit=totals["credit"],
    )


def main_accounts(*, legal_entity: LegalEntity) -> QuerySet[MainAccount]:
    """An entity's chart of accounts, by number."""
    return MainAccount.objects.filter(legal_entity=legal_entity).order_by("number")


def posting_account(*, legal_entity: LegalEntity | int, posting_type: str) -> MainAccount | None:
    """The main account a posting type goes to in an entity (its posting setup's default, not
    an intercompany counterparty's), or None when the setup names none."""
    setup = (
        PostingSetup.objects.filter(
            legal_entity=legal_entity, posting_type=posting_type, counterparty__isnull=True
        )
        .select_related("account")
        .first()
    )
    return setup.account if setup is not None else None


def fiscal_period_containing(*, legal_entity: LegalEntity, on: date) -> FiscalPeriod | None:
    """The entity's fiscal period that contains ``on``, if any."""
    return (
        FiscalPeriod.objects.filter(legal_entity=legal_entity, start__lte=on, end__gte=on)
        .select_related("legal_entity")
        .first()
    )


def vouchers_for_user(user: User | None) -> QuerySet[Voucher]:
    ids = granted_entity_ids(user)
    qs = Voucher.objects.select_related("legal_entity", "reverses", "created_by")
    return qs if ids is None else qs.filter(legal_entity_id__in=ids)


def ledger_entries_for_user(user: User | None) -> QuerySet[LedgerEntry]:
    ids = granted_entity_ids(user)
    qs = LedgerEntry.objects.select_related(
        "voucher", "legal_entity", "account", "counterparty", "customer"
    )
    return qs if ids is None else qs.filter(legal_entity_id__in=ids)


def entity_accounting_total(*, legal_entity: LegalEntity) -> Decimal:
    """Sum of every accounting amount of an entity: zero whenever the ledger is sound."""
    total = LedgerEntry.objects.filter(legal_entity=legal_entity).aggregate(
        total=DecimalSum("accounting_amount")
    )["total"]
    return total or ZERO


@dataclass(frozen=True)
class IntegrityProblem:
    legal_entity: str
    problem: str


def ledger_integrity_problems() -> list[IntegrityProblem]:
    """What would make an auditor frown: an entity whose accounting amounts do not sum to zero,
    or a voucher unbalanced in some currency. Empty when the ledger is sound."""
    problems: list[IntegrityProblem] = []
    totals = (
        LedgerEntry.objects.values("legal_entity__code")
        .annotate(total=DecimalSum("accounting_amount"))
        .exclude(total=0)
    )
    for row in totals:
        problems.append(
            IntegrityProblem(
                row["legal_entity__code"], f"accounting amounts sum to {row['total']}, not zero"
            )
        )
    unbalanced = (
        LedgerEntry.objects.values("legal_entity__code", "voucher__number", "currency")
        .annotate(amount=DecimalSum("amount"), accounting=DecimalSum("accounting_amount"))
        .exclude(amount=0, accounting=0)
    )
    for row in unbalanced:
        problems.append(
            IntegrityProblem(
                row["legal_entity__code"],
                f"voucher {row['voucher__number']} does not balance in {row['currency']}",
            )
        )
    return problems
