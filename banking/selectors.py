"""Reads of the banking room: what a user may see, and a bank account's reconciliation."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Replace, Upper

from core.money import ZERO
from entities.models import Customer, Party, PartyBankAccount
from entities.selectors import granted_entity_ids, in_granted_entities
from ledger.models import LedgerEntry
from receivables.models import OpenTransaction
from settlement.selectors import settlement_open_items

from .models import (
    BankAccount,
    BankStatement,
    BankStatementLine,
    BillOfExchange,
    BillOfExchangeStep,
    BillOfExchangeTransaction,
    CardPayment,
    DirectDebitCollection,
    DirectDebitMandate,
)

# The job kind that matches statements (registered in apps.py).
MATCH_JOB = "bank_statement_match"


def bank_accounts_for_user(user) -> QuerySet[BankAccount]:
    qs = BankAccount.objects.select_related("legal_entity", "main_account")
    return in_granted_entities(qs, user)


def bank_statements_for_user(user) -> QuerySet[BankStatement]:
    qs = BankStatement.objects.select_related("bank_account__legal_entity")
    return in_granted_entities(qs, user, field="bank_account__legal_entity_id")


def bank_statement_lines_for_user(user) -> QuerySet[BankStatementLine]:
    qs = BankStatementLine.objects.select_related(
        "statement__bank_account__legal_entity", "customer"
    )
    return in_granted_entities(qs, user, field="bank_account__legal_entity_id")


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


def statement_names_may_be_searched(statement: BankStatement) -> bool:
    """Whether a credit line of the statement still to be matched carries a payer's name and no
    IBAN a party is known by: matching then searches the party names (and reads them ahead)."""
    compact = Upper(Replace(OuterRef("counterparty_iban"), Value(" "), Value("")))
    known = PartyBankAccount.objects.filter(iban=compact)
    return (
        statement.lines.filter(amount__gt=0, marked_by_user=False)
        .exclude(status__in=BankStatementLine.DONE)
        .exclude(counterparty_name="")
        .exclude(Exists(known))
        .exists()
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


# --- what the browser pages read -----------------------------------------------------------


def statement_matching_job(statement: BankStatement):
    """The matching job queued or running for ``statement``, if any (a few per entity at most:
    one claim per entity, so the parameters are read here rather than in SQL)."""
    from core.models import Job

    jobs = Job.objects.filter(
        kind=MATCH_JOB,
        state__in=(Job.State.QUEUED, Job.State.RUNNING),
        legal_entities=statement.bank_account.legal_entity_id,
    ).order_by("-created_at")
    for job in jobs[:20]:
        if statement.pk in [int(pk) for pk in job.parameters.get("statements", [])]:
            return job
    return None


def line_transaction_ids(lines) -> set[int]:
    """Every open transaction the lines mark or propose."""
    ids = set()
    for line in lines:
        for item in line.marked or []:
            if item.get("transaction") is not None:
                ids.add(int(item["transaction"]))
        for proposal in line.proposals or []:
            ids.update(int(t["transaction"]) for t in proposal.get("transactions", []))
    return ids


def lines_for_viewer(lines, user) -> list[BankStatementLine]:
    """The lines as ``user`` may see them: proposals naming an open transaction of an entity
    the user is not granted are left out (matching may have run as someone granted more), and
    such a marked transaction is shown without its id."""
    lines = list(lines)
    ids = granted_entity_ids(user)
    if ids is None:
        return lines
    named = line_transaction_ids(lines)
    visible = set(
        OpenTransaction.objects.filter(pk__in=named, legal_entity_id__in=ids).values_list(
            "pk", flat=True
        )
    )
    for line in lines:
        line.proposals = [
            p
            for p in line.proposals or []
            if all(int(t["transaction"]) in visible for t in p.get("transactions", []))
        ]
        line.marked = [
            item if int(item["transaction"]) in visible else {**item, "transaction": None}
            for item in line.marked or []
        ]
    return lines


def open_transactions_by_id(user, ids) -> dict[int, OpenTransaction]:
    """The open transactions ``ids`` the user may see, by id, for showing document numbers."""
    qs = in_granted_entities(
        OpenTransaction.objects.select_related("legal_entity", "party").filter(pk__in=ids), user
    )
    return {ot.pk: ot for ot in qs}


def line_party(line: BankStatementLine) -> Party | None:
    """The party whose open items a line most likely pays: the one of its marked transactions,
    its customer, its best proposal's customer, or the owner of the counterparty's IBAN."""
    marked = [int(item["transaction"]) for item in line.marked or []]
    if marked:
        ot = OpenTransaction.objects.select_related("party").filter(pk=marked[0]).first()
        if ot is not None:
            return ot.party
    if line.customer_id:
        return line.customer.party
    for proposal in line.proposals or []:
        customer_id = proposal.get("customer")
        customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
        if customer is not None:
            return customer.party
    if line.counterparty_iban:
        account = PartyBankAccount.objects.filter(iban=line.counterparty_iban).first()
        if account is not None:
            return account.party
    return None


def parties_search(user, query: str) -> list[Party]:
    """Parties found by a document number (exactly), or by a customer account, party number or
    name (in part), among the entities granted to ``user``; at most 20."""
    query = query.strip()
    if not query:
        return []
    by_document = in_granted_entities(
        OpenTransaction.objects.filter(document_number__iexact=query), user
    ).values_list("party_id", flat=True)
    customers = in_granted_entities(
        Customer.objects.filter(
            Q(account__iexact=query)
            | Q(name__icontains=query)
            | Q(party__number__iexact=query)
            | Q(party__name__icontains=query)
        ),
        user,
    ).values_list("party_id", flat=True)
    return list(
        Party.objects.filter(Q(pk__in=by_document) | Q(pk__in=customers)).order_by("name")[:20]
    )


def line_open_items(user, line: BankStatementLine, party: Party) -> list[OpenTransaction]:
    """The party's open debits in the line's currency in the granted entities (what the money
    of a line may settle), as the Settle transactions page lists them."""
    return list(
        settlement_open_items(user, party).filter(currency=line.currency, open_amount__gt=0)
    )


def bank_customers(bank_account: BankAccount) -> QuerySet[Customer]:
    """The customers of the bank account's entity: who a payment on account is posted for."""
    return Customer.objects.filter(legal_entity_id=bank_account.legal_entity_id).order_by("account")


def card_payments_for_user(user) -> QuerySet[CardPayment]:
    qs = CardPayment.objects.select_related(
        "legal_entity", "customer", "open_transaction", "payment", "settlement"
    )
    return in_granted_entities(qs, user)


def direct_debit_mandates_for_user(user) -> QuerySet[DirectDebitMandate]:
    qs = DirectDebitMandate.objects.select_related("legal_entity", "customer__party")
    return in_granted_entities(qs, user)


def direct_debit_collections_for_user(user) -> QuerySet[DirectDebitCollection]:
    qs = DirectDebitCollection.objects.select_related("legal_entity", "bank_account")
    return in_granted_entities(qs, user)


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
