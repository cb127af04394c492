"""How a settlement closes marked open transactions against each other (no database writes).

Amounts here are magnitudes in the transaction currency. Debits (invoices, interest notes) are
taken in the order of SPEC section 5 (due date, document date, the better cash discount
available on the settlement date, document number); credits (the primary payment first, then
by due date, date and number) pay them. For each debit:

- the cash it needs is its amount to settle, or its open amount less the cash discount it may
  take (the one given for it, else the one available on the settlement date);
- when the credits cover that cash, the debit takes its discount (the full one when it closes;
  when an amount to settle leaves it partly open, the partial-payment discount if the entity
  allows it);
- when they fall short by no more than the invoice entity's maximum underpayment (in its
  accounting currency), the debit closes with the full discount and the shortfall as payment
  difference;
- otherwise it stays partly open, with the partial-payment discount ``cash ÷ (1 − p) × p`` when
  the entity allows it (the rule and its figures are ``receivables.discounts``');
- a full-settlement mark closes it anyway, the remainder being an extra cash discount.

A payment left with a remainder no larger than its entity's maximum overpayment closes with a
payment difference; a credit note that carries a (negative) cash discount closes with it when
its amount to settle is used in full.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext

from core.money import ZERO, format_amount, quantize
from receivables.discounts import partial_discount

from ..exceptions import SettlementInvalid, TransactionChanged


@dataclass
class Item:
    """One marked open transaction, as read under lock, and what the settlement does to it."""

    key: int
    is_debit: bool
    is_payment: bool
    currency: str
    open: Decimal
    due_date: date
    date: date
    number: str
    amount: Decimal = ZERO  # the transaction's own amount (magnitude), open or not
    discount_available: Decimal = ZERO  # on the settlement date, for the current open amount
    discount_rate: Decimal = ZERO  # effective fraction of the open amount (p)
    partial_discount_allowed: bool = False
    max_underpayment: Decimal = ZERO  # in accounting currency, like the entity's parameter
    max_overpayment: Decimal = ZERO
    rate: Decimal = Decimal(1)  # transaction currency → the entity's accounting currency
    accounting_currency: str = ""
    amount_given: Decimal | None = None
    discount_given: Decimal | None = None
    full_settlement: bool = False
    primary: bool = False
    # results
    cash: Decimal = ZERO
    discount: Decimal = ZERO
    difference: Decimal = ZERO

    def within(self, tolerance: Decimal, remainder: Decimal) -> bool:
        """A remainder within a tolerance set in accounting currency."""
        currency = self.accounting_currency or self.currency
        return quantize(remainder * self.rate, currency) <= tolerance

    @property
    def reduction(self) -> Decimal:
        return self.cash + self.discount + self.difference

    @property
    def closes(self) -> bool:
        return self.reduction == self.open


@dataclass
class Pairing:
    credit: Item
    debit: Item
    amount: Decimal
    values: dict = field(default_factory=dict)  # filled by the posting step


def _partial_discount(item: Item, cash: Decimal) -> Decimal:
    return partial_discount(
        cash=cash,
        rate=item.discount_rate,
        available=item.discount_available,
        open_amount=item.open,
        currency=item.currency,
        allowed=item.partial_discount_allowed,
    )


def _debit_order(item: Item):
    return (item.due_date, item.date, -item.discount_available, item.number, item.key)


def _credit_order(item: Item):
    return (not item.primary, item.due_date, item.date, item.number, item.key)


def _check_given(item: Item) -> None:
    where = {"document": item.number}

    def money(amount: Decimal) -> str:
        return format_amount(amount, item.currency)

    if item.amount_given is not None and item.amount_given <= 0:
        raise SettlementInvalid(
            gettext("transaction %(document)s: the amount to settle must be greater than zero.")
            % where,
            field="lines",
        )
    if item.discount_given is not None:
        if not item.is_debit:
            raise SettlementInvalid(
                gettext(
                    "transaction %(document)s: a cash discount to take is given on invoices only."
                )
                % where,
                field="lines",
            )
        if item.discount_given < 0:
            raise SettlementInvalid(
                gettext("transaction %(document)s: the cash discount cannot be negative.") % where,
                field="lines",
            )
        if item.discount_given > item.discount_available:
            raise SettlementInvalid(
                gettext(
                    "transaction %(document)s: cash discount %(discount)s is more than the "
                    "%(available)s available on the settlement date."
                )
                % {
                    **where,
                    "discount": money(item.discount_given),
                    "available": money(item.discount_available),
                },
                field="lines",
            )
    taken = (item.amount_given or ZERO) + (item.discount_given or ZERO)
    if item.open < taken <= item.amount:
        # Possible when the client read the transaction: it was settled since.
        raise TransactionChanged(
            gettext(
                "transaction %(document)s was settled meanwhile: %(taken)s to settle is more "
                "than its open amount %(open)s now."
            )
            % {**where, "taken": money(taken), "open": money(item.open)},
            transaction=item.key,
            document_number=item.number,
            open_amount=item.open if item.is_debit else -item.open,
            currency=item.currency,
        )
    if taken > item.open:
        raise SettlementInvalid(
            gettext(
                "transaction %(document)s: %(taken)s to settle is more than its open amount "
                "%(open)s."
            )
            % {**where, "taken": money(taken), "open": money(item.open)},
            field="lines",
        )


def allocate(items: list[Item]) -> list[Pairing]:
    """Decide cash, discount and difference of every item; return who paid whom."""
    for item in items:
        _check_given(item)
    debits = sorted((i for i in items if i.is_debit), key=_debit_order)
    credits = sorted((i for i in items if not i.is_debit), key=_credit_order)
    if not debits or not credits:
        raise SettlementInvalid(
            gettext("Mark at least one debit (invoice) and one credit (payment or credit note)."),
            field="lines",
        )
    supply = {
        credit.key: credit.amount_given
        if credit.amount_given is not None
        else credit.open - credit.discount_available
        for credit in credits
    }
    targets = dict(supply)
    pairings: list[Pairing] = []
    for debit in debits:
        if _settle_debit(debit, sum(supply.values(), ZERO)):
            _pay(debit, credits, supply, pairings)
    for credit in credits:
        _settle_credit(credit, targets[credit.key] - supply[credit.key], supply, debits)
    if not pairings and not any(i.reduction for i in items):
        raise SettlementInvalid(gettext("The settlement would close nothing."), field="lines")
    return pairings


def _settle_debit(debit: Item, available: Decimal) -> bool:
    """Set the debit's cash, discount and difference from the cash the credits still have;
    False when it takes nothing."""
    full_discount = (
        debit.discount_given if debit.discount_given is not None else debit.discount_available
    )
    target = debit.amount_given if debit.amount_given is not None else debit.open - full_discount
    cash = min(target, available)
    if cash <= 0 and not debit.full_settlement:
        return False
    discount = difference = ZERO
    if cash == target:
        if debit.discount_given is not None:
            discount = debit.discount_given
        elif target + full_discount == debit.open:
            discount = full_discount
        else:
            discount = _partial_discount(debit, cash)
    elif debit.amount_given is None and debit.within(debit.max_underpayment, target - cash):
        discount, difference = full_discount, target - cash
    else:
        discount = _partial_discount(debit, cash)
    remainder = debit.open - cash - discount - difference
    if debit.full_settlement and remainder > 0:
        discount += remainder
    debit.cash, debit.discount, debit.difference = cash, discount, difference
    return True


def _pay(debit: Item, credits: list[Item], supply: dict[int, Decimal], pairings: list) -> None:
    """Take the debit's cash from the credits in their order, recording who paid it."""
    left = debit.cash
    for credit in credits:
        if left == 0:
            break
        take = min(supply[credit.key], left)
        if take > 0:
            pairings.append(Pairing(credit=credit, debit=debit, amount=take))
            supply[credit.key] -= take
            left -= take


def _settle_credit(
    credit: Item, used: Decimal, supply: dict[int, Decimal], debits: list[Item]
) -> None:
    """Set a credit's cash (what the debits used), its discount, and a payment difference for a
    small remainder of a payment once every debit closes."""
    credit.cash = used
    if used == 0:
        return
    if credit.discount_available > 0:
        if credit.amount_given is None and supply[credit.key] == 0:
            credit.discount = credit.discount_available
        else:
            credit.discount = _partial_discount(credit, used)
    rest = credit.open - credit.cash - credit.discount
    if (
        credit.is_payment
        and credit.amount_given is None
        and rest > 0
        and credit.within(credit.max_overpayment, rest)
        and all(d.closes for d in debits)
    ):
        credit.difference = rest
