"""The steps of a drawn bill of exchange: accept, remit (for collection or for discount), settle
at maturity, protest. Each is one database transaction with the bill's row locked, at most one
voucher (see ``postings`` for the lines), a history row and an audit row."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from core.audit import Actor
from entities.selectors import RateBook
from receivables.models import OpenTransaction
from receivables.services import open_debit_create

from ...exceptions import BillInvalid
from ...models import BankAccount, BillOfExchange
from .common import (
    Step,
    bill_locked,
    check_bank_account,
    check_charges,
    check_date,
    check_draw_standing,
    step_record,
    transition,
)
from .postings import bill_voucher_post, protest_lines, remit_lines, settle_lines

REMIT_MODES = {"collection": Step.REMIT_COLLECTION, "discount": Step.REMIT_DISCOUNT}


def _start(bill: BillOfExchange, step: str, on: date, actor: Actor):
    """The bill locked, the step allowed from its status, the date after its last step."""
    bill = bill_locked(bill, actor)
    after = transition(bill, step)
    check_date(bill, on)
    check_draw_standing(bill)
    return bill, bill.status, after


def _source_key(bill: BillOfExchange, step: str) -> str:
    return f"bill:{bill.number}:{step}:{bill.steps.count() + 1}"


@transaction.atomic
def bill_accept(*, bill: BillOfExchange, on: date, actor: Actor) -> BillOfExchange:
    """The customer accepted the bill: a status change, nothing moves in the ledger."""
    bill, before, after = _start(bill, Step.ACCEPT, on, actor)
    bill.status = after
    bill.save(update_fields=["status"])
    step_record(bill=bill, kind=Step.ACCEPT, before=before, on=on, voucher=None, actor=actor)
    return bill


@transaction.atomic
def bill_remit(
    *,
    bill: BillOfExchange,
    on: date,
    bank_account: BankAccount | None,
    mode: str,
    charges: Decimal | None = None,
    actor: Actor,
) -> BillOfExchange:
    """Remit the bill to a bank, for collection at maturity or for discount now."""
    if mode not in REMIT_MODES:
        raise BillInvalid(
            f"Unknown mode {mode!r}: remit for 'collection' or for 'discount'.", field="mode"
        )
    step = REMIT_MODES[mode]
    bill, before, after = _start(bill, step, on, actor)
    account = check_bank_account(bill, bank_account)
    discount = step == Step.REMIT_DISCOUNT
    charges = check_charges(charges, bill.currency, below=bill.amount if discount else None)
    rates = RateBook()
    lines, advanced = remit_lines(
        bill, discount=discount, bank_account=account, charges=charges, on=on, rates=rates
    )
    voucher = bill_voucher_post(
        bill=bill,
        on=on,
        description=f"Bill {bill.number} remitted for {mode} to {account.code}",
        source_key=_source_key(bill, step),
        lines=lines,
        actor=actor,
        rates=rates,
    )
    bill.status, bill.bank_account, bill.discount_accounting_amount = after, account, advanced
    bill.save(update_fields=["status", "bank_account", "discount_accounting_amount"])
    step_record(
        bill=bill,
        kind=step,
        before=before,
        on=on,
        voucher=voucher,
        actor=actor,
        bank_account=account,
        charges=charges,
    )
    return bill


@transaction.atomic
def bill_settle(*, bill: BillOfExchange, on: date, actor: Actor) -> BillOfExchange:
    """At maturity the customer paid: the bank credits a collected bill; a discounted bill's
    advance is cleared against the bill."""
    bill, before, after = _start(bill, Step.SETTLE, on, actor)
    rates = RateBook()
    voucher = bill_voucher_post(
        bill=bill,
        on=on,
        description=f"Bill {bill.number} settled",
        source_key=_source_key(bill, Step.SETTLE),
        lines=settle_lines(bill, on=on, rates=rates),
        actor=actor,
        rates=rates,
    )
    bill.status = after
    bill.save(update_fields=["status"])
    step_record(
        bill=bill,
        kind=Step.SETTLE,
        before=before,
        on=on,
        voucher=voucher,
        actor=actor,
        bank_account=bill.bank_account,
    )
    return bill


@transaction.atomic
def bill_protest(
    *,
    bill: BillOfExchange,
    on: date,
    charges: Decimal | None = None,
    bank_account: BankAccount | None = None,
    actor: Actor,
) -> BillOfExchange:
    """The bill was dishonoured: its amount, with the protest charges, is an open debit of the
    customer again (to be paid, or drawn on a new bill). A remitted bill's charges go through
    its bank account; otherwise through ``bank_account`` if given, or the ``bank`` posting
    setup's account."""
    bill, before, after = _start(bill, Step.PROTEST, on, actor)
    if bill.bank_account is not None:
        if bank_account is not None and bank_account.pk != bill.bank_account_id:
            raise BillInvalid(
                f"Bill {bill.number} is at bank account {bill.bank_account.code}: its protest "
                "goes through that account.",
                field="bank_account",
            )
        account = bill.bank_account
    else:
        account = check_bank_account(bill, bank_account) if bank_account is not None else None
    charges = check_charges(charges, bill.currency)
    rates = RateBook()
    lines, debit_accounting = protest_lines(
        bill, charges=charges, bank_account=account, on=on, rates=rates
    )
    voucher = bill_voucher_post(
        bill=bill,
        on=on,
        description=f"Bill {bill.number} protested",
        source_key=_source_key(bill, Step.PROTEST),
        lines=lines,
        actor=actor,
        rates=rates,
    )
    bill.protest_transaction = open_debit_create(
        kind=OpenTransaction.Kind.PROTESTED_BILL,
        legal_entity=bill.legal_entity,
        customer=bill.customer,
        voucher=voucher,
        document_number=bill.number,
        on=on,
        due_date=on,
        currency=bill.currency,
        rate=bill.payment.open_transaction.rate,
        amount=bill.amount + charges,
        accounting_amount=debit_accounting,
    )
    bill.status = after
    bill.save(update_fields=["status", "protest_transaction"])
    step_record(
        bill=bill,
        kind=Step.PROTEST,
        before=before,
        on=on,
        voucher=voucher,
        actor=actor,
        bank_account=account,
        charges=charges,
    )
    return bill
