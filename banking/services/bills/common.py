"""What every step of a bill of exchange shares: the one map of allowed transitions, the bill
locked and checked, the step's date and bank account checked, and the step recorded (history
row and audit row, in the step's transaction)."""

from datetime import date
from decimal import Decimal

from django.db import connection

from core.audit import Actor, audit_record
from core.money import ZERO, format_amount, has_valid_precision
from entities.services import ensure_can_act
from ledger.models import Voucher
from settlement.models import Settlement

from ...exceptions import BillInvalid, BillStepNotAllowed
from ...models import BankAccount, BillOfExchange, BillOfExchangeStep

Status = BillOfExchange.Status
Step = BillOfExchangeStep.Kind

# The one map of allowed transitions: status → {step: status after it}. Acceptance comes
# before remittance; a bill not yet settled may be protested; settled, protested and reversed
# bills take no further step (a protested bill's debit is drawn again as a new bill).
TRANSITIONS: dict[str, dict[str, str]] = {
    Status.DRAWN: {Step.ACCEPT: Status.ACCEPTED, Step.PROTEST: Status.PROTESTED},
    Status.ACCEPTED: {
        Step.REMIT_COLLECTION: Status.REMITTED_COLLECTION,
        Step.REMIT_DISCOUNT: Status.REMITTED_DISCOUNT,
        Step.PROTEST: Status.PROTESTED,
    },
    Status.REMITTED_COLLECTION: {Step.SETTLE: Status.SETTLED, Step.PROTEST: Status.PROTESTED},
    Status.REMITTED_DISCOUNT: {Step.SETTLE: Status.SETTLED, Step.PROTEST: Status.PROTESTED},
    Status.SETTLED: {},
    Status.PROTESTED: {},
    Status.REVERSED: {},
}


def allowed_steps(status: str) -> list[str]:
    """The steps a bill in ``status`` may take next, in the map's order."""
    return list(TRANSITIONS[status])


def bill_locked(bill: BillOfExchange, actor: Actor) -> BillOfExchange:
    """The bill re-read under a row lock, one the actor may act on."""
    assert connection.in_atomic_block, "a lock lasts until the end of its transaction"
    locked = (
        BillOfExchange.objects.select_for_update(of=("self",))
        .select_related("legal_entity", "customer", "bank_account__main_account")
        .get(pk=bill.pk)
    )
    ensure_can_act(actor, locked.legal_entity, field="bill")
    return locked


def transition(bill: BillOfExchange, step: str) -> str:
    """The status ``step`` takes the bill to, or a refusal naming the steps allowed."""
    after = TRANSITIONS[bill.status].get(step)
    if after is not None:
        return after
    allowed = allowed_steps(bill.status)
    named = ", ".join(Step(s).label.lower() for s in allowed) or "none (the bill is final)"
    raise BillStepNotAllowed(
        f"Bill {bill.number} is {bill.get_status_display().lower()}: it cannot be "
        f"{_done(step)} now. Allowed steps: {named}.",
        field="status",
        extra={"status": bill.status, "allowed": allowed},
    )


def _done(step: str) -> str:
    return {
        Step.DRAW: "drawn",
        Step.ACCEPT: "accepted",
        Step.REMIT_COLLECTION: "remitted for collection",
        Step.REMIT_DISCOUNT: "remitted for discount",
        Step.SETTLE: "settled",
        Step.PROTEST: "protested",
    }[step]


def last_step(bill: BillOfExchange) -> BillOfExchangeStep | None:
    """The latest step that is not reversed."""
    return bill.steps.filter(reversed_on__isnull=True).order_by("-id").first()


def check_date(bill: BillOfExchange, on: date) -> BillOfExchangeStep | None:
    """A step is dated on or after the bill's last step."""
    previous = last_step(bill)
    if previous is not None and on < previous.date:
        raise BillInvalid(
            f"The date {on} is before the bill's last step ({previous.get_kind_display().lower()} "
            f"on {previous.date}).",
            field="date",
        )
    return previous


def check_draw_standing(bill: BillOfExchange) -> None:
    """The settlement that made the bill a payment of its debits still stands."""
    status = Settlement.objects.values_list("status", flat=True).get(pk=bill.settlement_id)
    if status != Settlement.Status.POSTED:
        raise BillInvalid(
            f"The settlement of bill {bill.number} against its debits was reversed: reverse "
            "the bill's draw instead.",
            field="bill",
        )


def check_charges(
    charges: Decimal | None, currency: str, *, below: Decimal | None = None
) -> Decimal:
    charges = ZERO if charges is None else Decimal(charges)
    if charges < 0:
        raise BillInvalid("The charges cannot be negative.", field="charges")
    if not has_valid_precision(charges, currency):
        raise BillInvalid(f"{charges} has more decimals than {currency} allows.", field="charges")
    if below is not None and charges >= below:
        raise BillInvalid(
            f"The charges ({format_amount(charges, currency)}) must be less than the bill "
            f"({format_amount(below, currency)}).",
            field="charges",
        )
    return charges


def check_bank_account(bill: BillOfExchange, account: BankAccount | None) -> BankAccount:
    if account is None:
        raise BillInvalid("Choose the bank account.", field="bank_account")
    if account.legal_entity_id != bill.legal_entity_id:
        raise BillInvalid(
            f"Bank account {account.code} is not an account of {bill.legal_entity.code}.",
            field="bank_account",
        )
    if account.currency != bill.currency:
        raise BillInvalid(
            f"Bank account {account.code} is in {account.currency}; the bill is in "
            f"{bill.currency}.",
            field="bank_account",
        )
    if not account.active:
        raise BillInvalid(f"Bank account {account.code} is not active.", field="bank_account")
    return account


def step_record(
    *,
    bill: BillOfExchange,
    kind: str,
    before: str,
    on: date,
    voucher: Voucher | None,
    actor: Actor,
    bank_account: BankAccount | None = None,
    charges: Decimal = ZERO,
) -> BillOfExchangeStep:
    """The step's history row and its audit row; the bill's new status saved."""
    who = actor if actor is not None and actor.is_authenticated else None
    step = BillOfExchangeStep.objects.create(
        bill=bill,
        kind=kind,
        status_before=before,
        status_after=bill.status,
        date=on,
        bank_account=bank_account,
        charges=charges,
        voucher=voucher,
        created_by=who,
    )
    changes = {"status": (before or None, bill.status)}
    if voucher is not None:
        changes["voucher"] = (None, voucher.number)
    if charges:
        changes["charges"] = (None, format_amount(charges, bill.currency))
    audit_record(
        actor=actor,
        action=f"bill_of_exchange.{kind}",
        obj=bill,
        changes=changes,
        legal_entity=bill.legal_entity,
    )
    return step
