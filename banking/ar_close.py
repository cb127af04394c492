"""What the banking room registers with the AR close (``receivables.ar_close``): a bank
statement of the legal entity with lines dated in the period is not reconciled while one of
those lines is neither posted nor ignored, or while its balance warnings are not resolved."""

from django.db.models import Count, Q
from django.urls import reverse

from entities.models import LegalEntity
from ledger.models import FiscalPeriod
from receivables.ar_close import ArCloseBlocker

from .models import BankStatement, BankStatementLine


def bank_statements_blocking(
    legal_entity: LegalEntity, period: FiscalPeriod
) -> list[ArCloseBlocker]:
    """The entity's bank statements with lines booked in ``period`` not reconciled, one blocker
    each."""
    dated = BankStatementLine.objects.filter(
        bank_account__legal_entity=legal_entity,
        booking_date__gte=period.start,
        booking_date__lte=period.end,
    ).values("statement_id")
    open_in_period = Q(
        lines__booking_date__gte=period.start, lines__booking_date__lte=period.end
    ) & ~Q(lines__status__in=BankStatementLine.DONE)
    statements = (
        BankStatement.objects.filter(pk__in=dated)
        .annotate(open_lines=Count("lines", filter=open_in_period))
        .select_related("bank_account")
        .order_by("bank_account__code", "from_date", "pk")
    )
    blockers = []
    for statement in statements:
        warned = bool(statement.balance_warnings) and statement.warnings_resolved_by_id is None
        if not statement.open_lines and not warned:
            continue
        problems = []
        if statement.open_lines:
            problems.append(
                f"{statement.open_lines} line{'s' if statement.open_lines != 1 else ''} dated "
                "in the period neither posted nor ignored"
            )
        if warned:
            problems.append("balance warnings not resolved")
        blockers.append(
            ArCloseBlocker(
                kind="bank_statement",
                message=f"Bank statement {statement.statement_id} of bank account "
                f"{statement.bank_account.code} is not reconciled: {' and '.join(problems)}.",
                url=reverse("bank-statement-detail", args=[statement.pk]),
                object_id=statement.pk,
            )
        )
    return blockers
