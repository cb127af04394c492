"""Importing a bank statement file: every statement of the file checked against the bank
account and stored with its lines, all or none, then matched by a job.

Refused with nothing stored: a file that does not parse, a statement of another IBAN or
currency, a statement already imported (same identifier, or the same file: 409). Balance
differences are stored as warnings, which block reconciliation until resolved."""

import hashlib
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core import db
from core.audit import Actor, audit_record
from core.money import format_amount
from entities.services import ensure_can_act

from ..exceptions import StatementAlreadyImported, StatementInvalid
from ..models import BankAccount, BankStatement, BankStatementLine, CsvMapping
from ..parsers import ParsedLine, ParsedStatement, statements_parse
from .returns import returns_match


def statement_import(
    *,
    bank_account: BankAccount,
    fmt: str,
    data: bytes,
    actor: Actor,
    file_name: str = "",
    csv_mapping: CsvMapping | None = None,
    match: bool = True,
) -> list[BankStatement]:
    """Store every statement of the file for ``bank_account``, all or none; queue matching."""
    ensure_can_act(actor, bank_account.legal_entity, field="bank_account")
    if csv_mapping is not None and csv_mapping.legal_entity_id != bank_account.legal_entity_id:
        raise StatementInvalid(
            f"CSV mapping {csv_mapping.name} belongs to another legal entity.", field="csv_mapping"
        )
    parsed = statements_parse(fmt, data, csv_mapping)
    if not parsed:
        raise StatementInvalid("The file holds no statement.", field="file")
    try:
        statements = _import(bank_account, fmt, data, parsed, actor, file_name)
    except IntegrityError as error:
        # Another import of the same statement committed first.
        raise StatementAlreadyImported(
            "This statement was imported at the same time by someone else.", field="file"
        ) from error
    if match:
        from .matching_jobs import statements_match_start

        job = statements_match_start(statements=statements, actor=actor)
        for statement in statements:
            statement.matching_job = job  # what the caller may follow
    return statements


@transaction.atomic
def _import(
    bank_account: BankAccount,
    fmt: str,
    data: bytes,
    parsed: Sequence[ParsedStatement],
    actor: Actor,
    file_name: str,
) -> list[BankStatement]:
    account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
    sha = hashlib.sha256(data).hexdigest()
    _refuse_duplicates(account, parsed, sha)
    previous = (
        BankStatement.objects.filter(bank_account=account).order_by("-to_date", "-id").first()
    )
    previous_closing = previous.closing_balance if previous else None
    known_keys = _known_keys(account, parsed)
    statements = []
    for index, given in enumerate(parsed):
        where = f"statement {given.statement_id or index + 1}"
        currency = given.currency or account.currency
        _check_account(account, given, currency, where)
        warnings = _balance_warnings(given, previous_closing, currency)
        statement = BankStatement.objects.create(
            bank_account=account,
            statement_id=given.statement_id[:140],
            format=fmt,
            file_sha256=sha,
            file_name=file_name[:200],
            from_date=given.from_date,
            to_date=given.to_date,
            currency=currency,
            opening_balance=given.opening_balance,
            closing_balance=given.closing_balance,
            balance_warnings=warnings,
            imported_by=actor if actor is not None and actor.is_authenticated else None,
        )
        lines, skipped = _lines_build(statement, given.lines, currency, known_keys)
        _lines_insert(lines)
        if skipped:
            statement.balance_warnings = [
                *warnings,
                f"{skipped} line(s) already imported in an earlier statement were not "
                "imported again.",
            ]
            statement.save(update_fields=["balance_warnings"])
        returns_match(statement=statement)
        audit_record(
            actor=actor,
            action="bank_statement.imported",
            obj=statement,
            changes={"lines": (None, len(lines)), "file": (None, file_name or sha[:12])},
            legal_entity=account.legal_entity,
        )
        previous_closing = given.closing_balance
        statements.append(statement)
    return statements


def _refuse_duplicates(account: BankAccount, parsed: Sequence[ParsedStatement], sha: str) -> None:
    same_file = BankStatement.objects.filter(bank_account=account, file_sha256=sha).first()
    if same_file is not None:
        raise StatementAlreadyImported(
            f"This file was already imported as statement {same_file.statement_id} on "
            f"{timezone.localdate(same_file.imported_at)}.",
            field="file",
        )
    ids = [p.statement_id for p in parsed]
    if len(set(ids)) != len(ids):
        raise StatementInvalid("The file holds the same statement twice.", field="file")
    known = BankStatement.objects.filter(bank_account=account, statement_id__in=ids).first()
    if known is not None:
        raise StatementAlreadyImported(
            f"Statement {known.statement_id} of {account.code} is already imported.", field="file"
        )


def _compact(text: str) -> str:
    return (text or "").replace(" ", "").upper()


def _check_account(account: BankAccount, given: ParsedStatement, currency: str, where: str):
    """The statement names the bank account (by IBAN, or by its account number) and is in its
    currency; a file that names no account (CSV) is the chosen account's."""
    if currency != account.currency:
        raise StatementInvalid(
            f"{where} is in {currency}; bank account {account.code} is in {account.currency}.",
            field="file",
        )
    named = {_compact(given.account_iban), _compact(given.account_number)} - {""}
    if not named:
        return
    ours = {account.iban, account.iban + account.currency}
    if account.account_number:
        ours |= {_compact(account.account_number)}
    if not named & ours:
        raise StatementInvalid(
            f"{where} is for account {' / '.join(sorted(named))}, not for bank account "
            f"{account.code} ({account.iban}).",
            field="file",
        )


def _balance_warnings(
    given: ParsedStatement, previous_closing: Decimal | None, currency: str
) -> list[str]:
    warnings = []
    if previous_closing is not None and given.opening_balance != previous_closing:
        warnings.append(
            f"The opening balance {format_amount(given.opening_balance, currency)} differs from "
            f"the previous statement's closing balance "
            f"{format_amount(previous_closing, currency)}."
        )
    movement = sum((line.amount for line in given.lines), Decimal("0"))
    if given.opening_balance + movement != given.closing_balance:
        warnings.append(
            f"Opening balance {format_amount(given.opening_balance, currency)} plus the lines "
            f"{format_amount(movement, currency)} is "
            f"{format_amount(given.opening_balance + movement, currency)}, not the closing "
            f"balance {format_amount(given.closing_balance, currency)}."
        )
    return warnings


def line_key(line: ParsedLine, statement_id: str, sequence: int) -> str:
    """A line's identity from the bank's own references; without any, its place in its
    statement (the statement itself is imported once)."""
    refs = [line.bank_reference, line.entry_reference, line.end_to_end_id]
    if any(refs):
        parts = ["ref", *refs, _date(line.booking_date), str(line.amount)]
    else:
        parts = ["stmt", statement_id, str(sequence)]
    return "|".join(parts)[:240]


def _date(value: date) -> str:
    return value.isoformat()


def _known_keys(account: BankAccount, parsed: Sequence[ParsedStatement]) -> set[str]:
    keys = {
        line_key(line, p.statement_id, n) for p in parsed for n, line in enumerate(p.lines, start=1)
    }
    known = set()
    chunk = sorted(keys)
    for start in range(0, len(chunk), 1000):
        known |= set(
            BankStatementLine.objects.filter(
                bank_account=account, line_key__in=chunk[start : start + 1000]
            ).values_list("line_key", flat=True)
        )
    return known


_LINE_FIELDS = (
    "statement",
    "bank_account",
    "sequence",
    "line_key",
    "booking_date",
    "value_date",
    "amount",
    "currency",
    "counterparty_name",
    "counterparty_iban",
    "counterparty_bic",
    "remittance_info",
    "structured_reference",
    "end_to_end_id",
    "bank_reference",
    "bank_transaction_code",
    "return_reason",
    "charges",
)
# Every new line starts the same (status unmatched, nothing proposed, marked or posted).
_LINE_START = {
    "status": BankStatementLine.Status.UNMATCHED,
    "proposals": [],
    "marked": [],
    "marked_by_user": False,
    "posting_type": "",
    "error": "",
}


def _lines_insert(rows: list[tuple]) -> None:
    """The lines (``_LINE_FIELDS`` values) written with one plain INSERT: a statement of
    thousands of lines costs the ORM more Python than PostgreSQL takes to store it."""
    meta = BankStatementLine._meta
    start = tuple(
        meta.get_field(name).get_db_prep_save(value, connection)
        for name, value in _LINE_START.items()
    )
    db.insert_rows(
        BankStatementLine,
        db.columns(BankStatementLine, *_LINE_FIELDS, *_LINE_START),
        [row + start for row in rows],
    )


def _lines_build(
    statement: BankStatement, parsed: Sequence[ParsedLine], currency: str, known: set[str]
) -> tuple[list[tuple], int]:
    """The new lines as rows of ``_LINE_FIELDS`` values; a key seen twice in the file gets its
    ordinal, a key already imported is skipped (counted)."""
    lines, seen, skipped = [], set(), 0
    for sequence, given in enumerate(parsed, start=1):
        key = line_key(given, statement.statement_id, sequence)
        if key in known:
            skipped += 1
            continue
        ordinal = 1
        unique = key
        while unique in seen:
            ordinal += 1
            unique = f"{key}#{ordinal}"
        seen.add(unique)
        lines.append(
            (
                statement.pk,
                statement.bank_account_id,
                sequence,
                unique,
                given.booking_date,
                given.value_date or given.booking_date,
                given.amount,
                given.currency or currency,
                given.counterparty_name[:140],
                _compact(given.counterparty_iban)[:34],
                _compact(given.counterparty_bic)[:11],
                given.remittance_info,
                given.structured_reference[:35],
                given.end_to_end_id[:35],
                given.bank_reference[:140],
                given.bank_transaction_code[:40],
                given.return_reason[:10],
                given.charges,
            )
        )
    return lines, skipped
