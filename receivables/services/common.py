"""What posting a document or a payment shares: checks on the customer, status transitions,
and the open transaction (its cash discount schedule comes from ``receivables.discounts``)."""

from datetime import date, timedelta
from decimal import Decimal

from core.errors import InvalidInput
from core.money import currency_is_known, format_amount, has_valid_precision
from entities.models import Customer, LegalEntity
from receivables.models import CashDiscount

from ..exceptions import CustomerBlocked, InvalidTransition
from ..models import DocumentStatus, OpenTransaction
from ..selectors import open_transactions_for_update
from .open_transactions import OpenAmountChange, open_transaction_reduce

# The one map of allowed status changes of documents and payments.
TRANSITIONS = {
    DocumentStatus.DRAFT: {DocumentStatus.POSTED},
    DocumentStatus.POSTED: {DocumentStatus.REVERSED},
    DocumentStatus.REVERSED: set(),
}


def transition(obj, to: str) -> None:
    """Change ``obj.status`` along the map, or refuse naming the document and its status."""
    if to not in TRANSITIONS[obj.status]:
        what = f"{obj._meta.verbose_name.capitalize()} {obj.number or f'draft {obj.pk}'}"
        current = obj.get_status_display().lower()
        message = (
            f"{what} is already {current}."
            if to == obj.status
            else f"{what} is {current}: it cannot become {DocumentStatus(to).label.lower()}."
        )
        raise InvalidTransition(message, field="status")
    obj.status = to


def check_customer(customer: Customer, legal_entity: LegalEntity, *, field: str = "customer"):
    if customer.legal_entity_id != legal_entity.pk:
        raise InvalidInput(
            f"Customer {customer.account} is not a customer of {legal_entity.code}.", field=field
        )
    if customer.blocked:
        raise CustomerBlocked(customer, field=field)


def check_currency_amount(amount: Decimal | None, currency: str, field: str) -> None:
    if amount is None:
        return
    if not currency_is_known(currency):
        raise InvalidInput(f"Unknown currency {currency!r}.", field="currency")
    if not has_valid_precision(amount, currency):
        raise InvalidInput(f"{amount} has more decimals than {currency} allows.", field=field)


def due_date_for(on: date, terms, given: date | None) -> date:
    if given is not None:
        return given
    return on + timedelta(days=terms.net_days) if terms is not None else on


def open_transaction_build(
    *,
    kind: str,
    legal_entity: LegalEntity,
    customer: Customer,
    voucher,
    document_number: str,
    on: date,
    due_date: date,
    currency: str,
    rate: Decimal,
    amount: Decimal,
    accounting_amount: Decimal,
    amount_before_tax: Decimal,
    cash_discount: CashDiscount | None = None,
    **document,
) -> OpenTransaction:
    """An unsaved open transaction for a posted document: fully open."""
    return OpenTransaction(
        kind=kind,
        legal_entity=legal_entity,
        customer=customer,
        party_id=customer.party_id,
        voucher=voucher,
        document_number=document_number,
        date=on,
        due_date=due_date,
        currency=currency,
        rate=rate,
        amount=amount,
        open_amount=amount,
        accounting_amount=accounting_amount,
        open_accounting_amount=accounting_amount,
        amount_before_tax=amount_before_tax,
        cash_discount=cash_discount,
        **document,
    )


def unsettled_reverse(
    *,
    open_transaction: OpenTransaction,
    voucher,
    what: str,
    field: str,
    source_key: str,
    actor,
    on=None,
):
    """Reverse the voucher of a document nothing has settled and close its open transaction
    (locked by the caller); a settled one is refused, so nothing is reopened silently."""
    from ledger.services import voucher_reverse

    from ..exceptions import DocumentSettled

    if open_transaction.open_amount != open_transaction.amount:
        settled = open_transaction.open_amount - open_transaction.amount
        if open_transaction.amount > 0:
            settled = -settled
        raise DocumentSettled(
            f"{what} is settled ({format_amount(settled, open_transaction.currency)} of "
            f"{format_amount(abs(open_transaction.amount), open_transaction.currency)}): reverse "
            "its settlements first.",
            field=field,
        )
    reversal = voucher_reverse(
        voucher=voucher, actor=actor, on=on, source_key=source_key, audit=False
    )
    open_transaction_reduce(
        changes=[
            OpenAmountChange(
                open_transaction,
                open_transaction.open_amount,
                open_transaction.open_accounting_amount,
            )
        ],
        on=reversal.date,
    )
    return reversal


def open_transaction_of_document_locked(**lookup) -> OpenTransaction:
    """The open transaction of one document (``payment=…``, ``interest_note=…``), locked."""
    pk = OpenTransaction.objects.values_list("pk", flat=True).get(**lookup)
    return open_transactions_for_update([pk])[pk]
