"""Reads of the banking room: what a user may see, and a bank account's reconciliation."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from core.money import ZERO
from entities.selectors import granted_entity_ids, in_granted_entities
from ledger.models import LedgerEntry
from receivables.models import OpenTransaction

from .models import (
    BankAccount,
    BankStatement,
    BankStatementLine,
    BillOfExchange,
    BillOfExchangeStep,
    BillOfExchangeTransaction,
)


def bank_accounts_for_user(user) -> QuerySet[BankAccount]:
    ids = granted_entity_ids(user)
    qs = BankAccount.objects.select_related("legal_entity", "main_account")
    return qs if ids is None else qs.filter(legal_entity_id__in=ids)


def bank_statements_for_user(user) -> QuerySet[BankStatement]:
    ids = granted_entity_ids(user)
    qs = BankStatement.objects.select_related("bank_account__legal_entity")
    return qs if ids is None else qs.filter(bank_account__legal_entity_id__in=ids)


def bank_statement_lines_for_user(user) -> QuerySet[BankStatementLine]:
    ids = granted_entity_ids(user)
    qs = BankStatementLine.objects.select_related(
        "statement__bank_account__legal_entity", "customer"
    )
    return qs if ids is None else qs.filter(bank_account__legal_entity_id__in=ids)


def statement_line_counts(statement: BankStatement) -> dict[str, int]:
    counts = dict.fromkeys(BankStatementLine.Status.values, 0)
    for row in statement.lines.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


@dataclass(frozen=True)
class Reconciliation:
    bank_account: BankAccount
    date: date
    ledger_balance: Decimal
    statement_balance: Decimal
    difference: Decimal
    lines_not_posted: int
    statements_with_warnings: int
    last_statement: BankStatement | None

    @property
    def reconciled(self) -> bool:
        return (
            self.difference == ZERO
            and self.lines_not_posted == 0
            and self.statements_with_warnings == 0
        )


def bank_account_reconciliation(*, bank_account: BankAccount, on: date) -> Reconciliation:
    """The ledger balance of the bank account's main account on ``on`` (in the account's
    currency) against the closing balance of its last statement up to that date, with the
    statement lines not yet posted (nor ignored) and the statements whose balance warnings are
    not resolved."""
    ledger = (
        LedgerEntry.objects.filter(
            account_id=bank_account.main_account_id,
            currency=bank_account.currency,
            date__lte=on,
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    statements = BankStatement.objects.filter(bank_account=bank_account, to_date__lte=on)
    last = statements.order_by("-to_date", "-id").first()
    statement_balance = last.closing_balance if last else ZERO
    not_posted = (
        BankStatementLine.objects.filter(statement__in=statements)
        .exclude(status__in=BankStatementLine.DONE)
        .count()
    )
    warned = statements.filter(~Q(balance_warnings=[]), warnings_resolved_by__isnull=True).count()
    return Reconciliation(
        bank_account=bank_account,
        date=on,
        ledger_balance=ledger,
        statement_balance=statement_balance,
        difference=statement_balance - ledger,
        lines_not_posted=not_posted,
        statements_with_warnings=warned,
        last_statement=last,
    )


def bills_for_user(user) -> QuerySet[BillOfExchange]:
    """The bills of exchange of the entities granted to ``user``, with what their pages and the
    API show, read in a fixed number of queries."""
    qs = BillOfExchange.objects.select_related(
        "legal_entity", "customer__party", "bank_account"
    ).prefetch_related(
        Prefetch(
            "transactions",
            BillOfExchangeTransaction.objects.select_related("open_transaction").order_by("id"),
        ),
        Prefetch(
            "steps",
            BillOfExchangeStep.objects.select_related(
                "bank_account", "voucher", "reversal_voucher"
            ).order_by("id"),
        ),
    )
    return in_granted_entities(qs, user)


def bill_open_debits(customer) -> QuerySet[OpenTransaction]:
    """The customer's open debits a bill may be drawn for, the earliest due first."""
    return OpenTransaction.objects.filter(customer=customer, open_amount__gt=0).order_by(
        "due_date", "date", "document_number", "id"
    )
