"""Writes of the ledger room: the one posting service every module uses, reversals, and the
default chart of accounts and posting setup of a new legal entity."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from core import db
from core.audit import Actor, audit_record
from core.errors import ApplicationError, InvalidInput
from core.money import ZERO, convert, currency_is_known, has_valid_precision
from entities.models import Customer, LegalEntity
from entities.selectors import RateBook
from entities.services import ensure_can_act

from .exceptions import (
    FiscalYearExists,
    InvalidPosting,
    PeriodClosed,
    PeriodMissing,
    PostingSetupMissing,
    VoucherAlreadyReversed,
    VoucherUnbalanced,
)
from .models import (
    INTERCOMPANY_TYPES,
    FiscalPeriod,
    LedgerEntry,
    MainAccount,
    NumberSequence,
    PostingSetup,
    PostingType,
    Voucher,
)

VOUCHER_SEQUENCE = "voucher"
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


# --- default setup of a legal entity -------------------------------------------------------

K = MainAccount.Kind
DEFAULT_ACCOUNTS: tuple[tuple[str, str, str, PostingType], ...] = (
    ("110100", "Bank", K.ASSET, PostingType.BANK),
    ("130100", "Accounts receivable", K.ASSET, PostingType.CUSTOMER_BALANCE),
    ("145000", "Due from intercompany", K.ASSET, PostingType.INTERCOMPANY_DUE_FROM),
    ("220000", "Sales tax payable", K.LIABILITY, PostingType.SALES_TAX),
    ("245000", "Due to intercompany", K.LIABILITY, PostingType.INTERCOMPANY_DUE_TO),
    ("401100", "Revenue", K.REVENUE, PostingType.REVENUE),
    ("403000", "Sales returns", K.REVENUE, PostingType.SALES_RETURNS),
    ("710100", "Interest income", K.REVENUE, PostingType.INTEREST),
    ("711000", "Realized exchange gain", K.REVENUE, PostingType.FX_REALIZED_GAIN),
    ("520000", "Cash discount", K.EXPENSE, PostingType.CASH_DISCOUNT),
    ("520100", "Over/underpayment", K.EXPENSE, PostingType.PAYMENT_DIFFERENCE),
    ("520200", "Bad debt write-off", K.EXPENSE, PostingType.WRITE_OFF),
    ("801000", "Realized exchange loss", K.EXPENSE, PostingType.FX_REALIZED_LOSS),
    ("809000", "Rounding difference", K.EXPENSE, PostingType.ROUNDING),
)
DUE_FROM_PREFIX = "145000"
DUE_TO_PREFIX = "245000"


def _intercompany_setup(entity: LegalEntity, counterparty: LegalEntity) -> None:
    """Due from / due to accounts of ``entity`` for one counterparty entity."""
    for prefix, kind, posting_type, label in (
        (DUE_FROM_PREFIX, K.ASSET, PostingType.INTERCOMPANY_DUE_FROM, "Due from"),
        (DUE_TO_PREFIX, K.LIABILITY, PostingType.INTERCOMPANY_DUE_TO, "Due to"),
    ):
        account, _ = MainAccount.objects.get_or_create(
            legal_entity=entity,
            number=f"{prefix}-{counterparty.code}",
            defaults={"name": f"{label} {counterparty.name}"[:120], "kind": kind},
        )
        PostingSetup.objects.get_or_create(
            legal_entity=entity,
            posting_type=posting_type,
            counterparty=counterparty,
            defaults={"account": account},
        )


@transaction.atomic
def legal_entity_setup_defaults(*, legal_entity: LegalEntity) -> None:
    """Create what is missing of the default chart, posting setup and voucher sequence."""
    for number, name, kind, posting_type in DEFAULT_ACCOUNTS:
        account, _ = MainAccount.objects.get_or_create(
            legal_entity=legal_entity, number=number, defaults={"name": name, "kind": kind}
        )
        PostingSetup.objects.get_or_create(
            legal_entity=legal_entity,
            posting_type=posting_type,
            counterparty=None,
            defaults={"account": account},
        )
    NumberSequence.objects.get_or_create(
        legal_entity=legal_entity,
        name=VOUCHER_SEQUENCE,
        defaults={"prefix": f"{legal_entity.code}-V"},
    )
    for other in LegalEntity.objects.exclude(pk=legal_entity.pk):
        _intercompany_setup(legal_entity, other)
        _intercompany_setup(other, legal_entity)


@transaction.atomic
def legal_entity_create(
    *,
    code: str,
    name: str,
    accounting_currency: str,
    parameters: Mapping[str, Any] | None = None,
    actor: Actor,
) -> LegalEntity:
    """A new legal entity with its default chart of accounts and posting setup, and the
    previous and the current calendar year open."""
    if (
        actor is not None
        and not actor.is_superuser
        and not actor.has_perm("entities.add_legalentity")
    ):
        raise ApplicationError(
            "You may not create legal entities.", code="permission_denied", http_status=403
        )
    if not currency_is_known(accounting_currency):
        raise InvalidInput(
            f"Unknown currency {accounting_currency!r}: use an ISO 4217 code.",
            field="accounting_currency",
        )
    if LegalEntity.objects.filter(code=code).exists():
        raise InvalidInput(f"Legal entity {code} already exists.", field="code")
    params = dict(parameters or {})
    unknown = set(params) - set(LegalEntity.PARAMETER_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown parameter {min(unknown)}.", field="parameters")
    entity = LegalEntity(code=code, name=name, accounting_currency=accounting_currency, **params)
    entity.full_clean(validate_unique=False)
    entity.save()
    legal_entity_setup_defaults(legal_entity=entity)
    this_year = timezone.localdate().year
    for year in (this_year - 1, this_year):
        _fiscal_year_write(entity, year)
    if actor is not None and not actor.is_superuser:
        from entities.services import entity_grant_create

        entity_grant_create(user=actor, legal_entity=entity, actor=actor)
    audit_record(actor=actor, action="legal_entity.created", obj=entity, legal_entity=entity)
    return entity


# --- posting ---------------------------------------------------------------------------------


class _SetupAccount(NamedTuple):
    id: int
    legal_entity_id: int
    number: str


def _accounts_by_type(entity_ids: set[int]) -> dict[tuple[int, str, int | None], _SetupAccount]:
    """The posting setup of the entities, read as plain tuples (one plain query: it runs for
    every posting, and compiling it through the ORM cost more than running it)."""
    ids = sorted(entity_ids)
    sql = (
        "SELECT s.legal_entity_id, s.posting_type, s.counterparty_id, s.account_id, "  # noqa: S608
        f"a.legal_entity_id, a.number FROM {PostingSetup._meta.db_table} s "
        f"JOIN {MainAccount._meta.db_table} a ON a.id = s.account_id "
        f"WHERE s.legal_entity_id IN ({', '.join(['%s'] * len(ids))})"
    )
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
    table = FiscalPeriod._meta.db_table
    sql = (
        f'SELECT id, legal_entity_id, start, "end", status FROM {table} '  # noqa: S608
        'WHERE legal_entity_id IN %s AND start <= %s AND "end" >= %s ORDER BY id'
    )
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        sql += " FOR SHARE"
    with db.cursor() as cursor:
        cursor.execute(
            sql.replace("IN %s", f"IN ({', '.join(['%s'] * len(entity_ids))})"),
            [*entity_ids, max(dates), min(dates)],
        )
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


def numbers_take(
    *, legal_entity: LegalEntity, name: str, count: int = 1, prefix: str | None = None
) -> list[str]:
    """Reserve ``count`` consecutive numbers of a per-entity sequence (vouchers, invoices, …).

    The sequence row stays locked until commit, so numbers are gap-free: a rolled-back
    transaction gives its numbers back. Callers lock sequences in a fixed order (entity, then
    name) when they take several.
    """
    assert connection.in_atomic_block, "numbers are taken inside the posting transaction"
    sql = (
        f"UPDATE {NumberSequence._meta.db_table} SET next_value = next_value + %s "  # noqa: S608
        "WHERE legal_entity_id = %s AND name = %s RETURNING next_value, prefix"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [count, legal_entity.pk, name])
        row = cursor.fetchone()
        if row is None:  # first use of this sequence in this entity
            NumberSequence.objects.get_or_create(
                legal_entity=legal_entity,
                name=name,
                defaults={"prefix": prefix or f"{legal_entity.code}-{name[:3].upper()}"},
            )
            cursor.execute(sql, [count, legal_entity.pk, name])
            row = cursor.fetchone()
    after, prefix = row
    return [f"{prefix}{n:08d}" for n in range(after - count, after)]


def _voucher_numbers_take(counts: Mapping[LegalEntity, int]) -> dict[int, list[str]]:
    """Voucher numbers of several entities (``numbers_take``), their sequence rows locked in
    entity order as taking them entity by entity would; on PostgreSQL with one statement."""
    ordered = sorted(counts.items(), key=lambda item: item[0].pk)
    taken: dict[int, list[str]] = {}
    if len(ordered) > 1 and connection.vendor == "postgresql":
        assert connection.in_atomic_block, "numbers are taken inside the posting transaction"
        table = NumberSequence._meta.db_table
        sql = (
            # The sort comes before the lock: the rows are locked in entity order.
            f"WITH locked AS MATERIALIZED (SELECT id FROM {table} "  # noqa: S608
            f"WHERE name = %s AND legal_entity_id IN ({', '.join(['%s'] * len(ordered))}) "
            "ORDER BY legal_entity_id FOR UPDATE) "
            f"UPDATE {table} AS s SET next_value = s.next_value + c.n FROM locked, "
            f"(VALUES {', '.join(['(%s::bigint, %s::bigint)'] * len(ordered))}) AS c(entity, n) "
            "WHERE s.id = locked.id AND s.legal_entity_id = c.entity "
            "RETURNING s.legal_entity_id, s.next_value, s.prefix"
        )
        params = [VOUCHER_SEQUENCE, *(e.pk for e, _ in ordered)]
        for entity, count in ordered:
            params += [entity.pk, count]
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        count_of = {e.pk: n for e, n in ordered}
        for entity_pk, after, prefix in rows:
            n = count_of[entity_pk]
            taken[entity_pk] = [f"{prefix}{i:08d}" for i in range(after - n, after)]
    for entity, count in ordered:
        if entity.pk not in taken:  # one entity, another database, or a sequence not made yet
            taken[entity.pk] = numbers_take(
                legal_entity=entity, name=VOUCHER_SEQUENCE, count=count, prefix=f"{entity.code}-V"
            )
    return taken


def _prepare(spec: VoucherInput, accounts, rates: RateBook) -> _Prepared:
    entity = spec.legal_entity
    if not spec.lines:
        raise InvalidPosting("A voucher needs at least one line.", field="lines")
    prepared = _Prepared(spec=spec)
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for index, line in enumerate(spec.lines):
        where = f"lines[{index}]"
        if line.posting_type not in _POSTING_TYPES:
            raise InvalidPosting(
                f"{where}: unknown posting type {line.posting_type!r}.", field="lines"
            )
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
                f"equal the amount ({line.amount}).",
                field="lines",
            )
        if line.amount == 0 and accounting_amount == 0:
            continue
        if (line.amount > 0 and accounting_amount < 0) or (
            line.amount < 0 and accounting_amount > 0
        ):
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
        sums[line.currency][0] += line.amount
        sums[line.currency][1] += accounting_amount
        prepared.lines.append(
            _Line(
                account.id,
                line.posting_type,
                line.counterparty.pk if intercompany else None,
                line.customer.pk if line.customer is not None else None,
                line.currency,
                line.amount,
                accounting_amount,
                line.description[:200],
            )
        )
    for currency, (amount_sum, accounting_sum) in sorted(sums.items()):
        if amount_sum != 0:
            raise VoucherUnbalanced(currency=currency, difference=amount_sum)
        if accounting_sum != 0:
            if not spec.balance_rounding:
                raise VoucherUnbalanced(
                    currency=currency, difference=accounting_sum, accounting=True
                )
            account = accounts.get((entity.pk, PostingType.ROUNDING, None))
            if account is None:
                raise PostingSetupMissing(
                    legal_entity=entity.code, posting_type=PostingType.ROUNDING
                )
            prepared.lines.append(
                _Line(
                    account.id,
                    PostingType.ROUNDING,
                    None,
                    None,
                    currency,
                    ZERO,
                    -accounting_sum,
                    "Rounding difference",
                )
            )
    if not prepared.lines:
        raise InvalidPosting("The voucher has no line with an amount.", field="lines")
    return prepared


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
        db.insert_rows(Voucher, ("id", *_VOUCHER_COLUMNS), with_ids)
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


_VOUCHER_COLUMNS = (
    "legal_entity_id",
    "number",
    "date",
    "description",
    "source_key",
    "reverses_id",
    "created_by_id",
    "created_at",
)
_ENTRY_COLUMNS = (
    "voucher_id",
    "legal_entity_id",
    "date",
    *_Line._fields,
)


def voucher_post(*, voucher: VoucherInput, actor: Actor, rates: RateBook | None = None) -> Voucher:
    return vouchers_post(vouchers=[voucher], actor=actor, rates=rates)[0]


def _refuse_customer_balance(voucher: VoucherInput) -> None:
    """The customer-balance account moves only with open transactions (documents, settlements),
    so that it always equals the sum of their open accounting amounts."""
    receivable_accounts = set(
        PostingSetup.objects.filter(
            legal_entity=voucher.legal_entity, posting_type=PostingType.CUSTOMER_BALANCE
        ).values_list("account_id", flat=True)
    )
    for index, line in enumerate(voucher.lines):
        if (
            line.posting_type == PostingType.CUSTOMER_BALANCE
            or line.customer is not None
            or (line.account is not None and line.account.pk in receivable_accounts)
        ):
            raise InvalidPosting(
                f"lines[{index}]: a journal voucher cannot post to the customer balance; post "
                "an invoice, credit note or payment instead.",
                field="lines",
            )


@transaction.atomic
def journal_voucher_post(*, voucher: VoucherInput, actor: Actor) -> Voucher:
    """A voucher entered by hand (general journal), audited."""
    ensure_can_act(actor, voucher.legal_entity)
    _refuse_customer_balance(voucher)
    posted = voucher_post(voucher=voucher, actor=actor)
    audit_record(
        actor=actor, action="voucher.posted", obj=posted, legal_entity=voucher.legal_entity
    )
    return posted


@transaction.atomic
def voucher_reverse(
    *,
    voucher: Voucher,
    actor: Actor,
    on: date | None = None,
    source_key: str | None = None,
    audit: bool = True,
) -> Voucher:
    """Post the mirror image of ``voucher`` (same accounts, amounts negated)."""
    locked = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if locked.reverses_id is not None:
        raise InvalidPosting(f"Voucher {locked.number} is itself a reversal.", field="voucher")
    if Voucher.objects.filter(reverses=locked).exists():
        raise VoucherAlreadyReversed(
            f"Voucher {locked.number} is already reversed.", field="voucher"
        )
    lines = [
        VoucherLineInput(
            posting_type=e.posting_type,
            currency=e.currency,
            amount=-e.amount,
            accounting_amount=-e.accounting_amount,
            counterparty=e.counterparty,
            customer=e.customer,
            account=e.account,
            description=e.description,
        )
        for e in locked.lines.select_related("account", "counterparty", "customer")
    ]
    reversal = voucher_post(
        voucher=VoucherInput(
            legal_entity=locked.legal_entity,
            date=on or locked.date,
            lines=lines,
            description=f"Reversal of {locked.number}",
            source_key=source_key,
            reverses=locked,
        ),
        actor=actor,
    )
    if audit:
        audit_record(
            actor=actor,
            action="voucher.reversed",
            obj=locked,
            changes={"reversed_by": (None, reversal.number)},
            legal_entity=locked.legal_entity,
        )
    return reversal


@transaction.atomic
def journal_voucher_reverse(*, voucher: Voucher, actor: Actor, on: date | None = None) -> Voucher:
    """Reverse a voucher entered by hand. Vouchers posted by a document or a settlement are
    reversed through it, so that the open transactions follow."""
    ensure_can_act(actor, voucher.legal_entity, field="voucher")
    if voucher.source_key:
        raise InvalidPosting(
            f"Voucher {voucher.number} was posted by {voucher.source_key.split(':')[0]}: reverse "
            "it from there.",
            field="voucher",
        )
    return voucher_reverse(voucher=voucher, actor=actor, on=on)


# Allowed status changes of a fiscal period; a closed period stays closed.
PERIOD_TRANSITIONS = {
    FiscalPeriod.Status.OPEN: {FiscalPeriod.Status.ON_HOLD, FiscalPeriod.Status.CLOSED},
    FiscalPeriod.Status.ON_HOLD: {FiscalPeriod.Status.OPEN, FiscalPeriod.Status.CLOSED},
    FiscalPeriod.Status.CLOSED: set(),
}


FISCAL_YEARS = range(1900, 3000)


def _ensure_may_manage_periods(actor: Actor) -> None:
    """Opening a year or changing a period's status is a controller's job: superusers and users
    whose role may change fiscal periods (``None`` is the system)."""
    if actor is None or actor.is_superuser or actor.has_perm("ledger.change_fiscalperiod"):
        return
    raise ApplicationError(
        "You may not open fiscal years or change fiscal periods.",
        code="permission_denied",
        http_status=403,
    )


def _fiscal_year_write(legal_entity: LegalEntity, year: int) -> list[FiscalPeriod]:
    """The twelve monthly periods of ``year``, open, each month that no period of the entity
    overlaps yet."""
    assert connection.in_atomic_block, "periods are written in the caller's transaction"
    taken = list(
        FiscalPeriod.objects.filter(
            legal_entity=legal_entity, start__lte=date(year, 12, 31), end__gte=date(year, 1, 1)
        ).values_list("start", "end")
    )
    periods = []
    for month in range(1, 13):
        start = date(year, month, 1)
        end = date(year, 12, 31) if month == 12 else date(year, month + 1, 1) - timedelta(days=1)
        if any(s <= end and start <= e for s, e in taken):
            continue
        periods.append(
            FiscalPeriod(
                legal_entity=legal_entity,
                name=f"{year}-{month:02d}",
                start=start,
                end=end,
                status=FiscalPeriod.Status.OPEN,
            )
        )
    return FiscalPeriod.objects.bulk_create(periods)


@transaction.atomic
def fiscal_year_create(*, legal_entity: LegalEntity, year: int, actor: Actor) -> list[FiscalPeriod]:
    """Open a fiscal year: its twelve monthly periods, open. A year in which the entity has any
    period already is a conflict."""
    ensure_can_act(actor, legal_entity, field="code")
    _ensure_may_manage_periods(actor)
    if not isinstance(year, int) or year not in FISCAL_YEARS:
        raise InvalidInput(
            f"The year must lie between {FISCAL_YEARS.start} and {FISCAL_YEARS.stop - 1}.",
            field="year",
        )
    # Serializes openings of the same entity's years (NO KEY: postings that point at the
    # entity go on); the unique start is the backstop.
    list(
        LegalEntity.objects.select_for_update(no_key=True)
        .filter(pk=legal_entity.pk)
        .values_list("pk", flat=True)
    )
    if FiscalPeriod.objects.filter(
        legal_entity=legal_entity, start__lte=date(year, 12, 31), end__gte=date(year, 1, 1)
    ).exists():
        raise FiscalYearExists(legal_entity=legal_entity.code, year=year)
    periods = _fiscal_year_write(legal_entity, year)
    audit_record(
        actor=actor,
        action="fiscal_year.created",
        obj=legal_entity,
        changes={"fiscal_year": (None, year)},
        legal_entity=legal_entity,
    )
    return periods


@transaction.atomic
def fiscal_period_set_status(*, period: FiscalPeriod, status: str, actor: Actor) -> FiscalPeriod:
    """Put a period on hold, reopen it or close it, along ``PERIOD_TRANSITIONS``."""
    ensure_can_act(actor, period.legal_entity)
    _ensure_may_manage_periods(actor)
    if status not in FiscalPeriod.Status.values:
        raise InvalidInput(f"Unknown status {status!r}.", field="status")
    period = FiscalPeriod.objects.select_for_update().get(pk=period.pk)
    old = period.status
    if old == status:
        return period
    if status not in PERIOD_TRANSITIONS[old]:
        raise InvalidInput(
            f"A {period.get_status_display().lower()} period cannot become "
            f"{FiscalPeriod.Status(status).label.lower()}.",
            field="status",
        )
    period.status = status
    period.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="fiscal_period.status_changed",
        obj=period,
        changes={"status": (old, status)},
        legal_entity=period.legal_entity,
    )
    return period
