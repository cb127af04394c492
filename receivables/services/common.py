"""What posting a document or a payment shares: checks on the customer, status transitions,
and the open transaction (its cash discount schedule comes from ``receivables.discounts``)."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext, gettext_noop

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


# A document named in a message, by its kind (model verbose names are not translated).
_DOCUMENT_NAMES = {
    "invoice": gettext_noop("Invoice %(number)s"),
    "credit note": gettext_noop("Credit note %(number)s"),
    "payment": gettext_noop("Payment %(number)s"),
    "interest note": gettext_noop("Interest note %(number)s"),
}


def document_name(obj) -> str:
    """ "Invoice FAB-INV00000001", or "Invoice draft 12" before it has a number, in the
    active language."""
    number = obj.number or gettext("draft %(draft)s") % {"draft": obj.pk}
    name = _DOCUMENT_NAMES.get(str(obj._meta.verbose_name))
    if name is None:
        return f"{obj._meta.verbose_name.capitalize()} {number}"
    return gettext(name) % {"number": number}


def transition(obj, to: str) -> None:
    """Change ``obj.status`` along the map, or refuse naming the document and its status."""
    if to not in TRANSITIONS[obj.status]:
        what = document_name(obj)
        current = str(obj.get_status_display()).lower()
        message = (
            gettext("%(document)s is already %(status)s.") % {"document": what, "status": current}
            if to == obj.status
            else gettext("%(document)s is %(status)s: it cannot become %(to)s.")
            % {"document": what, "status": current, "to": str(DocumentStatus(to).label).lower()}
        )
        raise InvalidTransition(message, field="status")
    obj.status = to


def check_customer(customer: Customer, legal_entity: LegalEntity, *, field: str = "customer"):
    if customer.legal_entity_id != legal_entity.pk:
        raise InvalidInput(
            gettext("Customer %(customer)s is not a customer of %(entity)s.")
            % {"customer": customer.account, "entity": legal_entity.code},
            field=field,
        )
    if customer.blocked:
        raise CustomerBlocked(customer, field=field)


def check_currency_amount(amount: Decimal | None, currency: str, field: str) -> None:
    if amount is None:
        return
    if not currency_is_known(currency):
        raise InvalidInput(
            gettext("Unknown currency %(currency)s.") % {"currency": repr(currency)},
            field="currency",
        )
    if not has_valid_precision(amount, currency):
        raise InvalidInput(
            gettext("%(amount)s has more decimals than %(currency)s allows.")
            % {"amount": amount, "currency": currency},
            field=field,
        )


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
            gettext(
                "%(document)s is settled (%(settled)s of %(amount)s): reverse its settlements "
                "first."
            )
            % {
                "document": what,
                "settled": format_amount(settled, open_transaction.currency),
                "amount": format_amount(abs(open_transaction.amount), open_transaction.currency),
            },
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
