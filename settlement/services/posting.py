"""The vouchers a settlement posts, one per legal entity involved.

Every transaction's own entity books its customer-balance movement (closing a debit credits it,
closing a credit debits it) with its cash discount and payment difference. Cash moving between
entities goes through intercompany due to / due from: without a primary payment straight from
the credit's entity to the debit's, with one through the payment's entity. Each side is valued
at its own document rate; the difference is a realized gain or loss booked in the entity the
parameters name (with a primary payment, in the payment's entity). Entities with different
accounting currencies value their own intercompany lines at the settlement date's rate and book
their own difference.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.money import ZERO, convert, split
from entities.models import LegalEntity
from entities.selectors import RateBook
from ledger.models import PostingType
from ledger.services import VoucherInput, VoucherLineInput
from receivables.models import OpenTransaction
from receivables.services import accounting_amount_taken

from .allocation import Item, Pairing

PT = PostingType


@dataclass
class Valued:
    """Accounting values (magnitudes, in the transaction's entity currency) of an item."""

    total: Decimal
    cash: Decimal
    discount: Decimal
    difference: Decimal


@dataclass
class EntityLines:
    """The lines of one entity's voucher: customer-balance lines one per transaction, the
    others summed per posting type and counterparty."""

    entity: LegalEntity
    lines: list[VoucherLineInput] = field(default_factory=list)
    sums: dict = field(default_factory=lambda: defaultdict(lambda: [ZERO, ZERO]))
    counterparties: dict = field(default_factory=dict)

    def add(self, posting_type, amount, accounting, counterparty=None):
        key = (posting_type, counterparty.pk if counterparty else None)
        self.sums[key][0] += amount
        self.sums[key][1] += accounting
        self.counterparties[key] = counterparty

    def voucher_lines(self, currency: str, description: str) -> list[VoucherLineInput]:
        summed = [
            VoucherLineInput(
                posting_type=key[0],
                currency=currency,
                amount=amount,
                accounting_amount=accounting,
                counterparty=self.counterparties[key],
                description=description,
            )
            for key, (amount, accounting) in self.sums.items()
            if amount != 0 or accounting != 0
        ]
        return self.lines + summed


def value_item(item: Item, ot: OpenTransaction) -> Valued:
    """Accounting values of what the settlement takes off: a closing settlement takes exactly
    the open accounting amount; discount and difference at the document's rate; the cash part
    takes what is left, so rounding never leaves cents behind."""
    currency = ot.legal_entity.accounting_currency
    total = accounting_amount_taken(
        amount=item.reduction,
        open_amount=item.open,
        open_accounting_amount=ot.open_accounting_amount,
        rate=ot.rate,
        accounting_currency=currency,
    )
    discount = min(convert(item.discount, ot.rate, currency), total)
    difference = min(convert(item.difference, ot.rate, currency), total - discount)
    cash = total - discount - difference
    if item.cash == 0 and cash:
        # Nothing paid in cash: the cent goes to the discount or the difference.
        if item.discount:
            discount += cash
        else:
            difference += cash
        cash = ZERO
    return Valued(total=total, cash=cash, discount=discount, difference=difference)


def value_pairings(
    pairings: list[Pairing], values: dict[int, Valued], accounting_currency: dict[int, str]
) -> None:
    """Split each item's cash value over its pairings so that the parts add up exactly."""
    by_item: dict[int, list[tuple[Pairing, str]]] = defaultdict(list)
    for pairing in pairings:
        by_item[pairing.credit.key].append((pairing, "credit"))
        by_item[pairing.debit.key].append((pairing, "debit"))
    for key, uses in by_item.items():
        parts = split(values[key].cash, [p.amount for p, _ in uses], accounting_currency[key])
        for (pairing, side), part in zip(uses, parts, strict=True):
            pairing.values[side] = part


@dataclass
class Flow:
    """Value moving from the credit's side to the debit's side (cash, or a discount booked in
    the payment entity)."""

    credit_ot: OpenTransaction
    debit_ot: OpenTransaction
    amount: Decimal
    credit_value: Decimal
    debit_value: Decimal
    source_type: str | None = None  # None: the credit's customer balance (already booked)


class EntityBook:
    """The voucher lines of every entity a settlement touches, by entity."""

    def __init__(self) -> None:
        self.entities: dict[int, EntityLines] = {}

    def lines_of(self, entity: LegalEntity) -> EntityLines:
        if entity.pk not in self.entities:
            self.entities[entity.pk] = EntityLines(entity=entity)
        return self.entities[entity.pk]

    def vouchers(
        self, *, settlement_date: date, currency: str, source: str, description: str
    ) -> list[VoucherInput]:
        """One voucher per entity with lines, in entity order."""
        vouchers = []
        for entity_pk in sorted(self.entities):
            group = self.entities[entity_pk]
            lines = group.voucher_lines(currency, description)
            if lines:
                vouchers.append(
                    VoucherInput(
                        legal_entity=group.entity,
                        date=settlement_date,
                        lines=lines,
                        description=description,
                        source_key=f"{source}:{group.entity.code}",
                    )
                )
        return vouchers


def build_vouchers(
    *,
    settlement_date: date,
    items: list[Item],
    transactions: dict[int, OpenTransaction],
    pairings: list[Pairing],
    primary: OpenTransaction | None,
    rates: RateBook,
    source: str,
    description: str,
) -> tuple[list[VoucherInput], dict[int, Valued], dict[int, Decimal]]:
    """Vouchers per entity, the accounting values per item, and FX per debit item."""
    values = {item.key: value_item(item, transactions[item.key]) for item in items}
    value_pairings(
        pairings,
        values,
        {key: ot.legal_entity.accounting_currency for key, ot in transactions.items()},
    )
    currency = items[0].currency
    book = EntityBook()
    discount_flows = _book_own_lines(book, items, transactions, pairings, values, currency)
    fx_by_debit: dict[int, Decimal] = defaultdict(lambda: ZERO)
    flows = [
        Flow(
            transactions[p.credit.key],
            transactions[p.debit.key],
            p.amount,
            p.values["credit"],
            p.values["debit"],
        )
        for p in pairings
    ] + discount_flows
    for flow in flows:
        fx = _post_flow(flow, primary, settlement_date, currency, rates, book.lines_of)
        fx_by_debit[flow.debit_ot.pk] += fx
    vouchers = book.vouchers(
        settlement_date=settlement_date, currency=currency, source=source, description=description
    )
    return vouchers, values, fx_by_debit


def _book_own_lines(
    book: EntityBook,
    items: list[Item],
    transactions: dict[int, OpenTransaction],
    pairings: list[Pairing],
    values: dict[int, Valued],
    currency: str,
) -> list[Flow]:
    """Each transaction's own customer balance, discount and difference, in its own entity;
    returns the discounts its parameters book in the paying entity instead, as flows."""
    discount_flows: list[Flow] = []
    first_pairing = {}
    for pairing in pairings:
        first_pairing.setdefault(pairing.debit.key, pairing)
    for item in items:
        ot = transactions[item.key]
        if item.reduction == 0:
            continue
        own = book.lines_of(ot.legal_entity)
        v = values[item.key]
        sign = 1 if item.is_debit else -1
        own.lines.append(
            VoucherLineInput(
                posting_type=PT.CUSTOMER_BALANCE,
                currency=currency,
                amount=-sign * item.reduction,
                accounting_amount=-sign * v.total,
                customer=ot.customer,
                description=f"Settlement of {ot.document_number}",
            )
        )
        if item.difference:
            own.add(PT.PAYMENT_DIFFERENCE, sign * item.difference, sign * v.difference)
        if not item.discount:
            continue
        pairing = first_pairing.get(item.key) if item.is_debit else None
        credit_ot = transactions[pairing.credit.key] if pairing else None
        if (
            credit_ot is not None
            and credit_ot.legal_entity_id != ot.legal_entity_id
            and credit_ot.legal_entity.cash_discount_posted_in == LegalEntity.PostedIn.PAYMENT
        ):
            discount_flows.append(
                Flow(
                    credit_ot,
                    ot,
                    item.discount,
                    v.discount,
                    v.discount,
                    source_type=PT.CASH_DISCOUNT,
                )
            )
        else:
            own.add(PT.CASH_DISCOUNT, sign * item.discount, sign * v.discount)
    return discount_flows


def _fx(group: EntityLines, difference: Decimal) -> None:
    """A realized exchange difference: the line has no transaction amount."""
    if difference > 0:
        group.add(PT.FX_REALIZED_GAIN, ZERO, -difference)
    elif difference < 0:
        group.add(PT.FX_REALIZED_LOSS, ZERO, -difference)


def _post_flow(flow: Flow, primary, settlement_date, currency, rates, lines_of) -> Decimal:
    """Intercompany and FX lines for value moving from the credit's to the debit's entity.
    Returns the FX booked (positive: gain)."""
    credit_entity = flow.credit_ot.legal_entity
    debit_entity = flow.debit_ot.legal_entity
    route = [credit_entity]
    if primary is not None and primary.legal_entity_id not in (credit_entity.pk, debit_entity.pk):
        route.append(primary.legal_entity)
    if debit_entity.pk != route[-1].pk:
        route.append(debit_entity)
    one_currency = len({e.accounting_currency for e in route}) == 1
    if one_currency:
        if flow.source_type is not None:
            # A discount booked in the payment entity: its expense is the flow's source.
            lines_of(credit_entity).add(flow.source_type, flow.amount, flow.credit_value)
        if primary is not None:
            fx_entity = primary.legal_entity
        elif credit_entity.fx_posted_in == LegalEntity.PostedIn.PAYMENT:
            fx_entity = credit_entity
        else:
            fx_entity = debit_entity
        fx_at = next((i for i, e in enumerate(route) if e.pk == fx_entity.pk), 0)
        difference = flow.credit_value - flow.debit_value
        if len(route) == 1:
            _fx(lines_of(credit_entity), difference)
            return difference
        for index in range(len(route) - 1):
            value = flow.credit_value if index < fx_at else flow.debit_value
            _hop(lines_of, route[index], route[index + 1], flow.amount, value, value)
        _fx(lines_of(route[fx_at]), difference)
        return difference
    # Different accounting currencies: each entity values its intercompany lines at the
    # settlement date's rate in its own currency and books its own difference.
    own_values = {
        e.pk: convert(
            flow.amount,
            rates.get(currency, e.accounting_currency, settlement_date),
            e.accounting_currency,
        )
        for e in route
    }
    if flow.source_type is not None:
        lines_of(credit_entity).add(flow.source_type, flow.amount, own_values[credit_entity.pk])
        flow.credit_value = own_values[credit_entity.pk]
    for index in range(len(route) - 1):
        _hop(
            lines_of,
            route[index],
            route[index + 1],
            flow.amount,
            own_values[route[index].pk],
            own_values[route[index + 1].pk],
        )
    _fx(lines_of(credit_entity), flow.credit_value - own_values[credit_entity.pk])
    _fx(lines_of(debit_entity), own_values[debit_entity.pk] - flow.debit_value)
    return own_values[debit_entity.pk] - flow.debit_value


def _hop(lines_of, sender, receiver, amount, sender_value, receiver_value) -> None:
    """``sender`` holds value that belongs to ``receiver``: due to / due from."""
    lines_of(sender).add(PT.INTERCOMPANY_DUE_TO, -amount, -sender_value, counterparty=receiver)
    lines_of(receiver).add(PT.INTERCOMPANY_DUE_FROM, amount, receiver_value, counterparty=sender)
