"""Posting statement lines, one database transaction per line, through the same services as
the browser and the API: a payment in the bank account's entity settled against the marked
transactions (a centralized payment when they are another entity's), a payment on account, a
refund, a ledger posting type (bank charges), or a returned direct debit.

A line is posted once: posting it again returns the first result. If what it marked was
settled meanwhile, that line records the conflict and stays unposted; the others go on.

The refusal a line records is kept in English, whoever posts: it stays on the line for every
reader (and the API, whose contract is English), while the services' messages are in the
language of the user who asks. Posting therefore runs in English
(``recorded.recorded_in_english``)."""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core import db
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.money import ZERO, format_amount
from entities.services import ensure_can_act
from ledger.models import PostingType, Voucher
from ledger.services import VoucherInput, VoucherLineInput, vouchers_post
from receivables.discounts import open_transaction_discount_amount
from receivables.locks import open_transactions_in_bulk
from receivables.models import Payment
from receivables.services import PaymentInput, payments_post, refund_post
from settlement.services import SettlementLineInput, settlement_create

from ..exceptions import LineInvalid
from ..models import BankStatement, BankStatementLine
from ..sql import line_for_posting, line_posted_update
from .recorded import recorded_in_english
from .returns import return_post
from .status import statement_status_refresh

Status = BankStatementLine.Status


@dataclass(frozen=True)
class LinePosted:
    line: BankStatementLine
    error: ApplicationError | None = None


@recorded_in_english
def line_post(*, line: BankStatementLine, actor: Actor) -> BankStatementLine:
    """Post one line in its own transaction; a refusal is recorded on the line and raised."""
    try:
        return _line_post(line.pk, _statement_read(line.statement_id), actor, refresh=True)
    except ApplicationError as error:
        _error_record(line.pk, error.message)
        raise


def _statement_read(pk: int) -> BankStatement:
    """The statement with what posting its lines reads of its bank account."""
    return BankStatement.objects.select_related(
        "bank_account__legal_entity", "bank_account__main_account"
    ).get(pk=pk)


@recorded_in_english
def statement_post(*, statement: BankStatement, actor: Actor) -> list[LinePosted]:
    """Post every matched line of the statement, each in its own transaction; the statement's
    status is brought up to date once, after the last."""
    statement = _statement_read(statement.pk)
    ensure_can_act(actor, statement.bank_account.legal_entity, field="statement")
    results = []
    ids = statement.lines.filter(status=Status.MATCHED).order_by("sequence")
    for pk in ids.values_list("pk", flat=True):
        try:
            results.append(LinePosted(_line_post(pk, statement, actor, refresh=False)))
        except ApplicationError as error:
            _error_record(pk, error.message)
            results.append(LinePosted(BankStatementLine.objects.get(pk=pk), error))
    if results:
        with transaction.atomic():
            statement_status_refresh(statement=statement)
    return results


@transaction.atomic
def _error_record(pk: int, message: str) -> None:
    BankStatementLine.objects.filter(pk=pk).exclude(status=Status.POSTED).update(
        error=message[:2000]
    )


def posting_date(line: BankStatementLine) -> date:
    """Booked on the earlier of the booking and the value date: the cash discount is the one
    the money earned on its value date, and nothing is dated before the money was there."""
    return min(line.booking_date, line.value_date)


def _line_post(
    pk: int, statement: BankStatement, actor: Actor, *, refresh: bool
) -> BankStatementLine:
    """Post the line of ``statement`` (read with its bank account) in one transaction; with
    ``refresh``, bring the statement's status up to date. Nothing in the transaction goes on
    after an error, so the services it calls join it without savepoints."""
    with db.all_or_nothing():
        return _line_post_locked(pk, statement, actor, refresh=refresh)


def _line_post_locked(
    pk: int, statement: BankStatement, actor: Actor, *, refresh: bool
) -> BankStatementLine:
    # The line and its customer, locked, with one plain statement: its statement and bank
    # account were read once for all lines.
    line = line_for_posting(pk, statement.pk)
    if line is None:
        raise BankStatementLine.DoesNotExist(f"No line {pk} in statement {statement.pk}.")
    line.statement = statement
    account = statement.bank_account
    ensure_can_act(actor, account.legal_entity, field="line")
    if line.status == Status.POSTED:
        return line
    if line.status == Status.IGNORED:
        raise LineInvalid("The line is ignored: change it before posting.", field="status")
    if line.status != Status.MATCHED:
        raise LineInvalid(
            "The line has nothing to post yet: accept a proposal, mark transactions, choose a "
            "customer or a posting type, or ignore it.",
            field="status",
        )
    on = posting_date(line)
    if line.returned_payment_id:
        line.voucher = return_post(line=line, on=on, actor=actor)
    elif line.posting_type:
        line.voucher = _posting_type_post(line, on, actor)
    elif line.amount > 0:
        _payment_post(line, on, actor)
    else:
        line.refund = _refund_post(line, on, actor)
    line.status = Status.POSTED
    line.error = ""
    line.posted_at = timezone.now()
    line.posted_by = actor if actor is not None and actor.is_authenticated else None
    line_posted_update(line)
    audit_record(
        actor=actor,
        action="bank_statement_line.posted",
        obj=line,
        changes={"status": (Status.MATCHED, Status.POSTED)},
        legal_entity=account.legal_entity,
    )
    if refresh:
        statement_status_refresh(statement=line.statement)
    return line


def _reference(line: BankStatementLine) -> str:
    return (line.end_to_end_id or line.bank_reference or line.remittance_info or "")[:60]


def _payment_post(line: BankStatementLine, on: date, actor: Actor) -> None:
    """A payment in the bank account's entity, settled against the marked transactions (the
    rest of the line stays open on account)."""
    account = line.statement.bank_account
    if line.customer is None:
        raise LineInvalid("Choose the customer who paid.", field="customer")
    marked = [(_marked_input(item), bool(item.get("credit"))) for item in line.marked]
    settled = sum(((-1 if credit else 1) * (item.amount or ZERO) for item, credit in marked), ZERO)
    if settled > line.amount:
        raise LineInvalid(
            f"The marked amounts ({format_amount(settled, line.currency)}) exceed the line "
            f"({format_amount(line.amount, line.currency)}).",
            field="marked",
        )
    (payment,) = payments_post(
        inputs=[
            PaymentInput(
                legal_entity=account.legal_entity,
                customer=line.customer,
                date=on,
                amount=line.amount,
                currency=line.currency,
                method=Payment.Method.ELECTRONIC,
                reference=_reference(line),
                bank_account=account.code,
                bank_ledger_account=account.main_account,
            )
        ],
        actor=actor,
        errors_by_index=False,
    )
    line.payment = payment
    if not marked:
        return
    inputs = [item for item, _credit in marked]
    payment_amount: Decimal | None = settled
    if _settles_all_of_one(line, marked):
        # The whole line against one invoice, or one invoice paid whole: the settlement
        # allocates it itself and so applies its payment tolerances (under- or overpayment
        # posted as payment difference).
        inputs, payment_amount = [replace(inputs[0], amount=None)], None
    # Posting the payment made its open transaction, which the payment holds.
    payment_ot = payment.open_transaction
    line.settlement = settlement_create(
        lines=[SettlementLineInput(payment_ot.pk, amount=payment_amount), *inputs],
        on=on,
        primary=payment_ot.pk,
        actor=actor,
    )


def _settles_all_of_one(
    line: BankStatementLine, marked: list[tuple[SettlementLineInput, bool]]
) -> bool:
    if len(marked) != 1 or marked[0][1]:
        return False
    item = marked[0][0]
    if item.amount is None or item.full_settlement:
        return False
    ot = open_transactions_in_bulk([item.transaction]).get(item.transaction)
    if ot is None:
        return False
    if item.cash_discount is not None:
        # Paid whole, with its discount (the line may hold a little more).
        return item.amount + item.cash_discount == abs(ot.open_amount)
    # The whole line, short even of what is due after the discount available.
    least = abs(ot.open_amount) - abs(open_transaction_discount_amount(ot, on=line.value_date))
    return item.amount == line.amount and item.amount < least


def _marked_input(item: dict) -> SettlementLineInput:
    def amount(key: str) -> Decimal | None:
        value = item.get(key)
        return None if value in (None, "") else Decimal(str(value))

    return SettlementLineInput(
        int(item["transaction"]),
        amount=amount("amount"),
        cash_discount=amount("cash_discount"),
        full_settlement=bool(item.get("full_settlement", False)),
    )


def _refund_post(line: BankStatementLine, on: date, actor: Actor):
    """Money paid back to a customer: a refund, left open to settle against their credit."""
    account = line.statement.bank_account
    if line.customer is None:
        raise LineInvalid("Choose the customer the money went to.", field="customer")
    return refund_post(
        data=PaymentInput(
            legal_entity=account.legal_entity,
            customer=line.customer,
            date=on,
            amount=-line.amount,
            currency=line.currency,
            method=Payment.Method.ELECTRONIC,
            reference=_reference(line),
            bank_account=account.code,
            bank_ledger_account=account.main_account,
        ),
        actor=actor,
    )


def _posting_type_post(line: BankStatementLine, on: date, actor: Actor) -> Voucher:
    """Bank against a ledger posting type (bank charges, interest): one voucher."""
    account = line.statement.bank_account
    (voucher,) = vouchers_post(
        vouchers=[
            VoucherInput(
                legal_entity=account.legal_entity,
                date=on,
                description=f"Bank statement {line.statement.statement_id} line {line.sequence}",
                source_key=f"bank-line:{line.pk}",
                lines=[
                    VoucherLineInput(
                        PostingType.BANK,
                        line.currency,
                        line.amount,
                        account=account.main_account,
                        description=_reference(line),
                    ),
                    VoucherLineInput(
                        line.posting_type,
                        line.currency,
                        -line.amount,
                        description=_reference(line),
                    ),
                ],
            )
        ],
        actor=actor,
    )
    return voucher
