"""Reads of the settlement room."""

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from core.aggregates import DecimalSum
from core.money import ZERO
from entities.models import LegalEntity, Party
from entities.selectors import User, granted_entity_ids
from ledger.models import INTERCOMPANY_TYPES, LedgerEntry, MainAccount, PostingSetup
from ledger.services import VoucherLineInput
from receivables.models import OpenTransaction, OpenTransactionDiscount
from receivables.selectors import open_transactions_for_update, open_transactions_in_bulk
from receivables.sql import Schedule

from .models import Settlement, SettlementLine


def settlements_for_user(user: User | None) -> QuerySet[Settlement]:
    """Settlements whose every transaction is in an entity the user may act in."""
    qs = Settlement.objects.select_related("party", "created_by", "reversed_by").prefetch_related(
        Prefetch(
            "lines",
            queryset=SettlementLine.objects.select_related(
                "open_transaction__legal_entity"
            ).order_by("id"),
        ),
        "vouchers",
        "reversal_vouchers",
    )
    ids = granted_entity_ids(user)
    if ids is None:
        return qs
    return qs.exclude(lines__open_transaction__legal_entity__in=_not_granted(ids)).distinct()


def settlement_lines_of(
    open_transaction: OpenTransaction, user: User | None
) -> QuerySet[SettlementLine]:
    """The lines of the settlements that touched ``open_transaction`` (reversed ones too), with
    their settlement, oldest first, of the settlements ``user`` may see."""
    lines = SettlementLine.objects.filter(open_transaction=open_transaction).select_related(
        "settlement"
    )
    ids = granted_entity_ids(user)
    if ids is not None:
        hidden = Settlement.objects.filter(
            lines__open_transaction__legal_entity__in=_not_granted(ids)
        )
        lines = lines.exclude(settlement__in=hidden)
    return lines.order_by("settlement__date", "settlement_id")


def settlement_open_items(user: User | None, party: Party) -> QuerySet[OpenTransaction]:
    """The Settle transactions page's rows: the party's transactions still open in the entities
    granted to ``user``, by currency and due date, with their cash discount periods."""
    qs = (
        OpenTransaction.objects.filter(party=party)
        .exclude(open_amount=0)
        .select_related("legal_entity", "customer", "party")
        .prefetch_related(
            Prefetch("cash_discounts", queryset=OpenTransactionDiscount.objects.order_by("until"))
        )
        .order_by("currency", "due_date", "date", "document_number", "id")
    )
    ids = granted_entity_ids(user)
    return qs if ids is None else qs.filter(legal_entity_id__in=ids)


def settlement_vouchers(settlement: Settlement, *, reversals: bool = False) -> list[dict]:
    """A settlement's vouchers (with ``reversals``, those that reversed them) by legal entity,
    each with its ledger entries in posting order, read with two statements."""
    vouchers = settlement.reversal_vouchers if reversals else settlement.vouchers
    vouchers = list(
        vouchers.select_related("legal_entity", "reverses").order_by("legal_entity__code", "pk")
    )
    entries: dict[int, list[LedgerEntry]] = {v.pk: [] for v in vouchers}
    for entry in (
        LedgerEntry.objects.filter(voucher__in=vouchers)
        .select_related("account", "counterparty")
        .order_by("id")
    ):
        entries[entry.voucher_id].append(entry)
    return [{"voucher": v, "lines": entries[v.pk]} for v in vouchers]


# (legal entity id, posting type, counterparty entity id or None) as the posting setup keys it.
AccountKey = tuple[int, str, int | None]


def posting_accounts(entity_ids: set[int]) -> dict[AccountKey, MainAccount]:
    """The posting setup of the entities with its accounts, read with one statement."""
    setup = PostingSetup.objects.filter(legal_entity_id__in=entity_ids).select_related("account")
    return {(s.legal_entity_id, s.posting_type, s.counterparty_id): s.account for s in setup}


def posting_account_of(
    accounts: dict[AccountKey, MainAccount], legal_entity: LegalEntity, line: VoucherLineInput
) -> MainAccount | None:
    """The account a voucher line will post to, found as the posting service finds it: the
    line's own, else the setup for its type and counterparty, else the type's default."""
    if line.account is not None:
        return line.account
    intercompany = line.posting_type in INTERCOMPANY_TYPES and line.counterparty is not None
    counterparty = line.counterparty.pk if intercompany else None
    return accounts.get((legal_entity.pk, line.posting_type, counterparty)) or accounts.get(
        (legal_entity.pk, line.posting_type, None)
    )


def _not_granted(ids):
    return LegalEntity.objects.exclude(pk__in=ids)


def open_transactions_for_settlement(
    ids: list[int], *, lock: bool
) -> tuple[dict[int, OpenTransaction], dict[int, Schedule]]:
    """The open transactions ``ids`` with their entity, customer and party, and their cash
    discount schedules, read with one statement.

    With ``lock`` the rows are locked in primary-key order without waiting: a transaction held
    by another settlement raises ``OperationalError`` (lock not available) at once.
    """
    if lock:
        transactions = open_transactions_for_update(ids, nowait=True)
    else:
        transactions = open_transactions_in_bulk(ids)
    return transactions, {pk: ot.discount_schedule for pk, ot in transactions.items()}


def settled_accounting_as_of(legal_entity: LegalEntity, on: date) -> Decimal:
    """What settlements had taken off the entity's open transactions dated on or before ``on``
    at the end of ``on`` (accounting amounts, signed like the transactions): the lines of
    settlements dated on or before it, less those of settlements reversed on or before it (a
    reversal gives back exactly what each line took). Registered with the AR close."""
    lines = SettlementLine.objects.filter(
        open_transaction__legal_entity=legal_entity, open_transaction__date__lte=on
    )
    taken = lines.filter(settlement__date__lte=on).aggregate(t=DecimalSum("accounting_amount"))
    given = lines.filter(
        settlement__status=Settlement.Status.REVERSED, settlement__reversed_on__lte=on
    ).aggregate(t=DecimalSum("accounting_amount"))
    return (taken["t"] or ZERO) - (given["t"] or ZERO)
