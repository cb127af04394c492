"""Journal vouchers of the ledger itself, and reversals of posted vouchers."""

from datetime import date

from django.db import transaction

from core.audit import Actor, audit_record
from entities.services import ensure_can_act

from ..exceptions import (
    InvalidPosting,
    VoucherAlreadyReversed,
)
from ..models import (
    PostingSetup,
    PostingType,
    Voucher,
)
from .posting import VoucherInput, VoucherLineInput, voucher_post


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
