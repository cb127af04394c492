"""Reads of payment journals: the journals a user may see, their totals per currency and line
counts (summed by the database), the unposted ones per legal entity for the home page, and the
AR-close blocker they make while unposted."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import CharField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse

from core.aggregates import DecimalSum
from entities.models import LegalEntity
from entities.selectors import User, in_granted_entities
from ledger.models import FiscalPeriod

from .ar_close import ArCloseBlocker
from .models import DocumentStatus, PaymentJournal, PaymentJournalLine


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    amount: Decimal
    count: int


def payment_journals_for_user(user: User | None) -> QuerySet[PaymentJournal]:
    return in_granted_entities(
        PaymentJournal.objects.select_related("legal_entity", "created_by", "posted_by"), user
    ).annotate(line_count=Count("lines"))


def payment_journals_for_entity(
    user: User | None, legal_entity: LegalEntity, *, status: str = ""
) -> QuerySet[PaymentJournal]:
    """An entity's journals that ``user`` may see, drafts first, the latest first."""
    journals = payment_journals_for_user(user).filter(legal_entity=legal_entity)
    if status:
        journals = journals.filter(status=status)
    return journals.order_by("-status", "-created_at", "-id")


def _line_currency():
    # A line without a currency of its own is in its customer's currency.
    return Coalesce(
        NullIf(F("currency"), Value("")), F("customer__currency"), output_field=CharField()
    )


def journal_totals(journal_ids: list[int]) -> dict[int, list[CurrencyTotal]]:
    """Per journal, the amounts of its lines per currency with their count (lines with no
    amount, or no currency yet, are left out), in one grouped query."""
    rows = (
        PaymentJournalLine.objects.filter(journal_id__in=journal_ids, amount__isnull=False)
        .annotate(line_currency=_line_currency())
        .exclude(line_currency__isnull=True)
        .values("journal_id", "line_currency")
        .annotate(total=DecimalSum("amount"), count=Count("id"))
        .order_by("journal_id", "line_currency")
    )
    totals: dict[int, list[CurrencyTotal]] = defaultdict(list)
    for row in rows:
        totals[row["journal_id"]].append(
            CurrencyTotal(row["line_currency"], row["total"], row["count"])
        )
    return totals


def unposted_journals_for_user(user: User | None) -> list[tuple[LegalEntity, list]]:
    """The draft journals of every granted entity, grouped by entity (by code), each with its
    totals per currency."""
    journals = list(
        payment_journals_for_user(user)
        .filter(status=DocumentStatus.DRAFT)
        .order_by("legal_entity__code", "created_at", "id")
    )
    totals = journal_totals([j.pk for j in journals])
    grouped: dict[int, tuple[LegalEntity, list]] = {}
    for journal in journals:
        journal.totals = totals.get(journal.pk, [])
        grouped.setdefault(journal.legal_entity_id, (journal.legal_entity, []))[1].append(journal)
    return list(grouped.values())


def payment_journals_blocking(legal_entity: LegalEntity, period: FiscalPeriod) -> list:
    """AR close: each journal of the entity not posted with lines dated in the period."""
    journals = (
        PaymentJournal.objects.filter(legal_entity=legal_entity, status=DocumentStatus.DRAFT)
        .filter(Q(lines__date__gte=period.start) & Q(lines__date__lte=period.end))
        .distinct()
        .order_by("pk")
    )
    return [
        ArCloseBlocker(
            kind="payment_journal",
            message=f"Payment journal {journal.pk}"
            + (f" ({journal.description})" if journal.description else "")
            + " has lines dated in the period and is not posted.",
            url=reverse("payment-journal-detail", args=[journal.pk]),
            object_id=journal.pk,
        )
        for journal in journals
    ]


def open_debits_named(user: User | None, customer, numbers: list[str]) -> dict:
    """The open debits of ``customer``'s party, in the entities ``user`` may act in, by
    document number (as typed, upper case)."""
    from .models import OpenTransaction

    wanted = {n.upper() for n in numbers}
    debits = in_granted_entities(
        OpenTransaction.objects.filter(
            party_id=customer.party_id, open_amount__gt=0, document_number__in=wanted
        ),
        user,
    )
    return {ot.document_number.upper(): ot for ot in debits}


def journal_lines_read(journal: PaymentJournal) -> list[PaymentJournalLine]:
    """A journal's lines with their customer, payment and marks, in order."""
    return list(
        journal.lines.select_related("customer__party", "payment")
        .prefetch_related("marks__open_transaction")
        .order_by("position")
    )
