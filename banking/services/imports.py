"""Importing a bank statement file: every statement of the file checked against the bank
account and stored with its lines, all or none, then matched by a job.

Refused with nothing stored: a file that does not parse, a statement of another IBAN or
currency, a statement already imported (same identifier, or the same file: 409). Balance
differences are stored as warnings, which block reconciliation until resolved."""

import hashlib
from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core import db
from core.audit import Actor, audit_record
from core.money import format_amount, has_valid_precision
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
    known_keys = _known_keys(account, parsed)
    statements = []
    for index, given in enumerate(parsed):
        where = f"statement {given.statement_id or index + 1}"
        currency = given.currency or account.currency
        _check_account(account, given, currency, where)
        warnings = _balance_warnings(given, _previous_closing(account, given), currency)
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
        # A later statement of the same file may repeat a line of this one.
        known_keys |= {line.line_key for line in lines}
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


def _previous_closing(account: BankAccount, given: ParsedStatement) -> Decimal | None:
    """The closing balance of the account's statement just before this one (ending on or
    before the day it starts; those stored from the same file included), if any."""
    previous = (
        BankStatement.objects.filter(bank_account=account, to_date__lte=given.from_date)
        .order_by("-to_date", "-id")
        .first()
    )
    return previous.closing_balance if previous else None


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


def line_key(line: ParsedLine) -> str:
    """A line's identity from the bank's own references; without any, from what it says
    (dates, amount, counterparty, text), so that overlapping exports (CSV files of
    overlapping periods) bring a line in once. Lines alike in one statement get ordinals."""
    refs = [line.bank_reference, line.entry_reference, line.end_to_end_id]
    if any(refs):
        parts = ["ref", *refs, line.booking_date.isoformat(), str(line.amount)]
    else:
        parts = [
            "text",
            line.booking_date.isoformat(),
            (line.value_date or line.booking_date).isoformat(),
            str(line.amount),
            _compact(line.counterparty_iban),
            line.counterparty_name.strip().upper()[:40],
            " ".join(line.remittance_info.split()).upper()[:80],
        ]
    return "|".join(parts)[:230]


def _line_keys(lines: Sequence[ParsedLine]) -> list[str]:
    """Each line's key, the second and later of alike lines with their ordinal (#2, #3)."""
    keys, seen = [], {}
    for line in lines:
        key = line_key(line)
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def _known_keys(account: BankAccount, parsed: Sequence[ParsedStatement]) -> set[str]:
    keys = sorted({key for p in parsed for key in _line_keys(p.lines)})
    known = set()
    for start in range(0, len(keys), 1000):
        known |= set(
            BankStatementLine.objects.filter(
                bank_account=account, line_key__in=keys[start : start + 1000]
            ).values_list("line_key", flat=True)
        )
    return known


def _line_check(given: ParsedLine, currency: str, where: str) -> None:
    """A line in the statement's currency, with no more decimals than it has."""
    if (given.currency or currency) != currency:
        raise StatementInvalid(
            f"{where} is in {given.currency}, its statement in {currency}.", field="file"
        )
    if not has_valid_precision(given.amount, currency) or not has_valid_precision(
        given.charges, currency
    ):
        raise StatementInvalid(
            f"{where}: {given.amount} has more decimals than {currency} has.", field="file"
        )


# Every column of a new line: the parsed fields and how each line starts (unmatched, nothing
# proposed, marked or posted).
_LINE_FIELDS = tuple(
    f.name
    for f in BankStatementLine._meta.concrete_fields
    if not f.primary_key and f.name not in {"posted_at"}
)


def _lines_insert(lines: list[BankStatementLine]) -> None:
    """The lines written with one plain INSERT: a statement of thousands of lines costs the
    ORM more Python than the database takes to store it."""
    if not lines:
        return
    fields = [BankStatementLine._meta.get_field(name) for name in _LINE_FIELDS]
    rows = [
        tuple(f.get_db_prep_save(f.pre_save(line, add=True), connection) for f in fields)
        for line in lines
    ]
    db.insert_rows(BankStatementLine, db.columns(BankStatementLine, *_LINE_FIELDS), rows)


def _lines_build(
    statement: BankStatement, parsed: Sequence[ParsedLine], currency: str, known: set[str]
) -> tuple[list[BankStatementLine], int]:
    """The new lines, each checked; a line already imported is skipped (counted)."""
    lines, skipped = [], 0
    for sequence, (given, key) in enumerate(zip(parsed, _line_keys(parsed), strict=True), 1):
        _line_check(given, currency, f"Statement {statement.statement_id}, line {sequence}")
        if key in known:
            skipped += 1
            continue
        lines.append(
            BankStatementLine(
                statement=statement,
                bank_account_id=statement.bank_account_id,
                sequence=sequence,
                line_key=key,
                booking_date=given.booking_date,
                value_date=given.value_date or given.booking_date,
                amount=given.amount,
                currency=currency,
                counterparty_name=given.counterparty_name[:140],
                counterparty_iban=_compact(given.counterparty_iban)[:34],
                counterparty_bic=_compact(given.counterparty_bic)[:11],
                remittance_info=given.remittance_info,
                structured_reference=given.structured_reference[:35],
                end_to_end_id=given.end_to_end_id[:35],
                bank_reference=given.bank_reference[:140],
                bank_transaction_code=given.bank_transaction_code[:40],
                return_reason=given.return_reason[:10],
                charges=given.charges,
            )
        )
    return lines, skipped
