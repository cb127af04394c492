"""The one posting service every module uses: vouchers checked (balance per currency, open
period, posting setup, rates) and written with one statement per table."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction

from core import db
from core.audit import Actor
from core.money import ZERO, convert, currency_is_known, format_amount, has_valid_precision
from entities.models import Customer, LegalEntity
from entities.selectors import RateBook
from entities.services import ensure_can_act

from .. import sql as ledger_sql
from ..exceptions import (
    InvalidPosting,
    PeriodClosed,
    PeriodMissing,
    PostingSetupMissing,
    VoucherUnbalanced,
)
from ..models import (
    INTERCOMPANY_TYPES,
    FiscalPeriod,
    LedgerEntry,
    MainAccount,
    PostingType,
    Voucher,
)
from .numbers import _voucher_numbers_take

_POSTING_TYPES = frozenset(PostingType.values)


@dataclass(frozen=True)
class VoucherLineInput:
    posting_type: str
    currency: str
    amount: Decimal
    # None: converted from ``amount`` at the rate valid on the voucher date.
    accounting_amount: Decimal | None = None
    counterparty: LegalEntity | None = None
    customer: Customer | None = None
    account: MainAccount | None = None
    description: str = ""


@dataclass(frozen=True)
class VoucherInput:
    legal_entity: LegalEntity
    date: date
    lines: Sequence[VoucherLineInput]
    description: str = ""
    source_key: str | None = None
    reverses: Voucher | None = None
    # Post a ``rounding`` line for an accounting difference left by converting line by line.
    balance_rounding: bool = False


class _Line(NamedTuple):
    """A checked ledger line, ready to insert once its voucher has an id."""

    account_id: int
    posting_type: str
    counterparty_id: int | None
    customer_id: int | None
    currency: str
    amount: Decimal
    accounting_amount: Decimal
    description: str


@dataclass
class _Prepared:
    spec: VoucherInput
    lines: list[_Line] = field(default_factory=list)


# --- posting ---------------------------------------------------------------------------------


class _SetupAccount(NamedTuple):
    id: int
    legal_entity_id: int
    number: str


def _accounts_by_type(entity_ids: set[int]) -> dict[tuple[int, str, int | None], _SetupAccount]:
    """The posting setup of the entities, read as plain tuples (one plain query: it runs for
    every posting, and compiling it through the ORM cost more than running it)."""
    ids = sorted(entity_ids)
    sql = ledger_sql.posting_setup_accounts(len(ids))
    with db.cursor() as cursor:
        cursor.execute(sql, ids)
        rows = cursor.fetchall()
    return {
        (entity, posting_type, counterparty): _SetupAccount(account, account_entity, number)
        for entity, posting_type, counterparty, account, account_entity, number in rows
    }


def _check_periods(specs: Sequence[VoucherInput]) -> None:
    """Refuse a date that no open fiscal period of its entity contains: no period at all (the
    year was never opened), or one on hold or closed. Inside a transaction on PostgreSQL the
    periods are read FOR SHARE, so that nobody closes them before this transaction commits."""
    wanted = {(s.legal_entity.pk, s.date) for s in specs}
    entity_ids = sorted({pk for pk, _ in wanted})
    dates = [d for _, d in wanted]
    sql = ledger_sql.fiscal_periods_covering(len(entity_ids))
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        sql += " FOR SHARE"
    with db.cursor() as cursor:
        cursor.execute(sql, [*entity_ids, max(dates), min(dates)])
        periods = cursor.fetchall()
    codes = {s.legal_entity.pk: s.legal_entity.code for s in specs}
    covered: set[tuple[int, date]] = set()
    for _id, entity_id, start, end, status in periods:
        for pk, on in wanted:
            if pk != entity_id or not start <= on <= end:
                continue
            if status != FiscalPeriod.Status.OPEN:
                raise PeriodClosed(
                    legal_entity=codes[pk],
                    on=on,
                    status=FiscalPeriod.Status(status).label.lower(),
                )
            covered.add((pk, on))
    missing = wanted - covered
    if missing:
        pk, on = min(missing, key=lambda item: (item[1], codes[item[0]]))
        raise PeriodMissing(legal_entity=codes[pk], on=on)


def _prepare(spec: VoucherInput, accounts, rates: RateBook) -> _Prepared:
    """The voucher's lines checked and converted, balanced per currency (a rounding line for
    what conversion left over, when the voucher allows it)."""
    if not spec.lines:
        raise InvalidPosting("A voucher needs at least one line.", field="lines")
    prepared = _Prepared(spec=spec)
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for index, line in enumerate(spec.lines):
        checked = _line_prepare(spec, index, line, accounts, rates)
        if checked is None:
            continue
        sums[line.currency][0] += checked.amount
        sums[line.currency][1] += checked.accounting_amount
        prepared.lines.append(checked)
    for currency, (amount_sum, accounting_sum) in sorted(sums.items()):
        if amount_sum != 0:
            raise VoucherUnbalanced(currency=currency, difference=amount_sum)
        if accounting_sum != 0:
            prepared.lines.append(_rounding_line(spec, currency, accounting_sum, accounts))
    if not prepared.lines:
        raise InvalidPosting("The voucher has no line with an amount.", field="lines")
    return prepared


def _line_prepare(
    spec: VoucherInput, index: int, line: VoucherLineInput, accounts, rates: RateBook
) -> _Line | None:
    """One line checked, its accounting amount converted at the date's rate unless given, and
    its account found; ``None`` for a line of nothing."""
    entity = spec.legal_entity
    where = f"lines[{index}]"
    intercompany = _line_check(entity, where, line)
    if line.accounting_amount is None:
        rate = rates.get(line.currency, entity.accounting_currency, spec.date)
        accounting_amount = convert(line.amount, rate, entity.accounting_currency)
    else:
        accounting_amount = Decimal(line.accounting_amount)
        if not has_valid_precision(accounting_amount, entity.accounting_currency):
            raise InvalidPosting(
                f"{where}: accounting amount {accounting_amount} has more decimals than "
                f"{entity.accounting_currency} allows.",
                field="lines",
            )
    if line.currency == entity.accounting_currency and accounting_amount != line.amount:
        raise InvalidPosting(
            f"{where}: in {entity.code}'s accounting currency the accounting amount must "
            f"equal the amount ({format_amount(line.amount, line.currency)}).",
            field="lines",
        )
    if line.amount == 0 and accounting_amount == 0:
        return None
    if (line.amount > 0 and accounting_amount < 0) or (line.amount < 0 and accounting_amount > 0):
        raise InvalidPosting(
            f"{where}: amount and accounting amount have opposite signs.", field="lines"
        )
    account = line.account
    if account is None:
        counterparty_id = line.counterparty.pk if intercompany else None
        account = accounts.get((entity.pk, line.posting_type, counterparty_id)) or accounts.get(
            (entity.pk, line.posting_type, None)
        )
        if account is None:
            raise PostingSetupMissing(legal_entity=entity.code, posting_type=line.posting_type)
    if account.legal_entity_id != entity.pk:
        raise InvalidPosting(
            f"{where}: account {account.number} is not in {entity.code}.", field="lines"
        )
    return _Line(
        account.id,
        line.posting_type,
        line.counterparty.pk if intercompany else None,
        line.customer.pk if line.customer is not None else None,
        line.currency,
        line.amount,
        accounting_amount,
        line.description[:200],
    )


def _line_check(entity: LegalEntity, where: str, line: VoucherLineInput) -> bool:
    """Refuse a line whose posting type, currency, precision, counterparty or customer does not
    fit; returns whether it is an intercompany line."""
    if line.posting_type not in _POSTING_TYPES:
        raise InvalidPosting(f"{where}: unknown posting type {line.posting_type!r}.", field="lines")
    if not currency_is_known(line.currency):
        raise InvalidPosting(f"{where}: unknown currency {line.currency!r}.", field="lines")
    if not has_valid_precision(line.amount, line.currency):
        raise InvalidPosting(
            f"{where}: {line.amount} has more decimals than {line.currency} allows.",
            field="lines",
        )
    intercompany = line.posting_type in INTERCOMPANY_TYPES
    if intercompany and (line.counterparty is None or line.counterparty.pk == entity.pk):
        raise InvalidPosting(
            f"{where}: an intercompany line needs a counterparty other than {entity.code}.",
            field="lines",
        )
    if not intercompany and line.counterparty is not None:
        raise InvalidPosting(
            f"{where}: only intercompany lines name a counterparty.", field="lines"
        )
    if line.customer is not None and line.customer.legal_entity_id != entity.pk:
        raise InvalidPosting(
            f"{where}: customer {line.customer.account} is not in {entity.code}.",
            field="lines",
        )
    return intercompany


def _rounding_line(spec: VoucherInput, currency: str, accounting_sum: Decimal, accounts) -> _Line:
    """What converting the lines left over in the accounting currency, when the voucher
    allows a rounding line; otherwise it is unbalanced."""
    entity = spec.legal_entity
    if not spec.balance_rounding:
        raise VoucherUnbalanced(currency=currency, difference=accounting_sum, accounting=True)
    account = accounts.get((entity.pk, PostingType.ROUNDING, None))
    if account is None:
        raise PostingSetupMissing(legal_entity=entity.code, posting_type=PostingType.ROUNDING)
    return _Line(
        account.id,
        PostingType.ROUNDING,
        None,
        None,
        currency,
        ZERO,
        -accounting_sum,
        "Rounding difference",
    )


def vouchers_post(
    *, vouchers: Sequence[VoucherInput], actor: Actor, rates: RateBook | None = None
) -> list[Voucher]:
    """Post balanced vouchers: one statement for the vouchers and one for all their lines.

    Every voucher is checked before anything is written: the actor's grant, each line's
    currency, precision and account, the fiscal period, and per transaction currency both
    ``amount`` and ``accounting_amount`` summing to zero. A refused voucher leaves the caller's
    transaction usable; the writes join the caller's transaction without a savepoint.
    """
    if not vouchers:
        return []
    if not connection.in_atomic_block:
        with transaction.atomic():
            return vouchers_post(vouchers=vouchers, actor=actor, rates=rates)
    rates = rates or RateBook()
    for spec in vouchers:
        ensure_can_act(actor, spec.legal_entity)
    accounts = _accounts_by_type({s.legal_entity.pk for s in vouchers})
    prepared = [_prepare(spec, accounts, rates) for spec in vouchers]
    # Checked in the caller's transaction, before anything is written: a refusal leaves it
    # usable, and the FOR SHARE lock on the periods lasts until it commits.
    _check_periods(vouchers)
    with transaction.atomic(savepoint=False):
        return _write(prepared, actor)


def _write(prepared: list[_Prepared], actor: Actor) -> list[Voucher]:
    by_entity: dict[int, list[_Prepared]] = defaultdict(list)
    for p in prepared:
        by_entity[p.spec.legal_entity.pk].append(p)
    created_by = actor if actor is not None and actor.is_authenticated else None
    # Plain multi-row INSERTs: model instances and the ORM's insert compiler cost more than the
    # statements themselves on this path (TRAPS: where posting time goes).
    ids = db.ids_reserve(Voucher, len(prepared))
    if ids is not None:
        # The lines go first (their voucher is checked at commit): the voucher sequences taken
        # below stay locked until commit, and concurrent posters wait only for what follows.
        _insert_lines(prepared, ids)
    numbers: dict[int, str] = {}
    # Sequences are locked in entity order so two posters never wait on each other in a cycle.
    taken = _voucher_numbers_take(
        {group[0].spec.legal_entity: len(group) for group in by_entity.values()}
    )
    for entity_pk, group in by_entity.items():
        for p, number in zip(group, taken[entity_pk], strict=True):
            numbers[id(p)] = number
    created_at, created_at_db = db.now()
    rows = [
        (
            p.spec.legal_entity.pk,
            numbers[id(p)],
            p.spec.date,
            p.spec.description[:200],
            p.spec.source_key,
            p.spec.reverses.pk if p.spec.reverses is not None else None,
            created_by.pk if created_by is not None else None,
            created_at_db,
        )
        for p in prepared
    ]
    if ids is not None:
        with_ids = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        db.insert_rows(Voucher, (Voucher._meta.pk.column, *_VOUCHER_COLUMNS), with_ids)
    else:
        ids = db.insert_rows(Voucher, _VOUCHER_COLUMNS, rows, returning="id")
        _insert_lines(prepared, ids)
    return [
        db.inserted(
            Voucher,
            id=pk,
            legal_entity=p.spec.legal_entity,
            number=numbers[id(p)],
            date=p.spec.date,
            description=p.spec.description[:200],
            source_key=p.spec.source_key,
            reverses=p.spec.reverses,
            created_by=created_by,
            created_at=created_at,
        )
        for p, pk in zip(prepared, ids, strict=True)
    ]


def _insert_lines(prepared: list[_Prepared], voucher_ids: list[int]) -> None:
    rows = []
    for p, pk in zip(prepared, voucher_ids, strict=True):
        entity_pk = p.spec.legal_entity.pk
        for line in p.lines:
            rows.append((pk, entity_pk, p.spec.date, *line))
    db.insert_rows(LedgerEntry, _ENTRY_COLUMNS, rows)


_VOUCHER_COLUMNS = db.columns(
    Voucher,
    "legal_entity",
    "number",
    "date",
    "description",
    "source_key",
    "reverses",
    "created_by",
    "created_at",
)
_ENTRY_COLUMNS = db.columns(LedgerEntry, "voucher", "legal_entity", "date", *_Line._fields)


def voucher_post(*, voucher: VoucherInput, actor: Actor, rates: RateBook | None = None) -> Voucher:
    return vouchers_post(vouchers=[voucher], actor=actor, rates=rates)[0]
