"""A statement's status: reconciled once every line is posted or ignored and its balance
warnings are resolved."""

from ..models import BankStatement, BankStatementLine


def statement_status_refresh(*, statement: BankStatement) -> BankStatement:
    """Inside the transaction of a line's change: the statement row is locked first, so two
    lines changed at once cannot both read the other as still open."""
    statement = BankStatement.objects.select_for_update().get(pk=statement.pk)
    open_lines = statement.lines.exclude(status__in=BankStatementLine.DONE).exists()
    reconciled = not open_lines and (
        not statement.balance_warnings or statement.warnings_resolved_by_id is not None
    )
    status = BankStatement.Status.RECONCILED if reconciled else BankStatement.Status.OPEN
    if status != statement.status:
        statement.status = status
        statement.save(update_fields=["status"])
    return statement
