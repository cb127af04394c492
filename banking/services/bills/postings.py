"""The voucher lines of each step of a bill of exchange. ``A`` is the bill's amount, ``V`` what
it is carried at on the bill accounts (its accounting value on the day drawn), ``W`` what the
bank advanced on a discount (valued on the remittance day), ``c`` the step's charges; amounts
in the bill's currency, accounting amounts in the entity's.

- draw (the bill's payment, method bill of exchange): bill_of_exchange Dr A / customer_balance
  Cr A, an open credit settled at once against the debits the bill is drawn for.
- accept: nothing moves in the ledger; no voucher.
- remit for collection: bill_remitted_collection Dr A (V) / bill_of_exchange Cr A (V);
  charges: bank_charges Dr c / bank Cr c.
- remit for discount: bank Dr A − c / bill_discount_charges Dr c / bill_remitted_discount Cr A
  (W): the bank advances the bill less its discount; the bill stays on bill_of_exchange until
  maturity, against the debt to the bank.
- settle, collection: bank Dr A (at the day's rate) / bill_remitted_collection Cr A (V).
- settle, discount: bill_remitted_discount Dr A (W) / bill_of_exchange Cr A (V): the customer
  paid the bank, which clears both the bill and the advance.
- protest: customer_balance Dr A (V) / the account the bill is on Cr A (V) (bill_of_exchange
  while drawn, accepted or remitted for discount; bill_remitted_collection when remitted for
  collection); remitted for discount the bank also takes its advance back: bill_remitted_discount
  Dr A (W) / bank Cr A. Charges (the bank's protest fee, charged on to the customer):
  bank_charges Dr c / bank Cr c, customer_balance Dr c / bank_charges Cr c. The customer-balance
  lines are one new open debit of A + c.

In the entity's own currency V = W = A. In another currency, a line valued at a different day
than the bill leaves an accounting difference, booked as realized exchange gain or loss (amount
0.00), so the bill accounts always clear to zero."""

from datetime import date
from decimal import Decimal

from core.audit import Actor
from core.money import ZERO, convert
from entities.selectors import RateBook
from ledger.models import PostingType, Voucher
from ledger.services import VoucherInput, VoucherLineInput, vouchers_post

from ...models import BankAccount, BillOfExchange

T = PostingType


def at_rate(bill: BillOfExchange, amount: Decimal, on: date, rates: RateBook) -> Decimal:
    """``amount`` of the bill's currency in the entity's accounting currency on ``on``."""
    accounting = bill.legal_entity.accounting_currency
    return convert(amount, rates.get(bill.currency, accounting, on), accounting)


def line(
    bill: BillOfExchange,
    posting_type: str,
    amount: Decimal,
    accounting_amount: Decimal,
    *,
    bank_account: BankAccount | None = None,
    customer: bool = False,
) -> VoucherLineInput:
    return VoucherLineInput(
        posting_type,
        bill.currency,
        amount,
        accounting_amount=accounting_amount,
        account=bank_account.main_account if bank_account is not None else None,
        customer=bill.customer if customer else None,
        description=bill.number,
    )


def fx_line(bill: BillOfExchange, lines: list[VoucherLineInput]) -> list[VoucherLineInput]:
    """The realized exchange difference that balances ``lines`` in accounting currency."""
    difference = sum((item.accounting_amount for item in lines), ZERO)
    if difference == 0:
        return []
    kind = T.FX_REALIZED_GAIN if difference > 0 else T.FX_REALIZED_LOSS
    return [line(bill, kind, ZERO, -difference)]


def charges_lines(
    bill: BillOfExchange,
    charges: Decimal,
    charges_accounting: Decimal,
    bank_account: BankAccount | None,
    *,
    recharged: bool,
) -> list[VoucherLineInput]:
    """The bank's fee (bank_charges Dr / bank Cr), charged on to the customer when
    ``recharged`` (customer_balance Dr / bank_charges Cr)."""
    if not charges:
        return []
    lines = [
        line(bill, T.BANK_CHARGES, charges, charges_accounting),
        line(bill, T.BANK, -charges, -charges_accounting, bank_account=bank_account),
    ]
    if recharged:
        lines += [
            line(bill, T.CUSTOMER_BALANCE, charges, charges_accounting, customer=True),
            line(bill, T.BANK_CHARGES, -charges, -charges_accounting),
        ]
    return lines


def remit_lines(
    bill: BillOfExchange,
    *,
    discount: bool,
    bank_account: BankAccount,
    charges: Decimal,
    on: date,
    rates: RateBook,
) -> tuple[list[VoucherLineInput], Decimal | None]:
    """The remittance's lines, and for a discount what the bank advanced (W)."""
    a, v = bill.amount, bill.accounting_amount
    c_acc = at_rate(bill, charges, on, rates)
    if not discount:
        lines = [
            line(bill, T.BILL_REMITTED_COLLECTION, a, v),
            line(bill, T.BILL_OF_EXCHANGE, -a, -v),
        ]
        return lines + charges_lines(bill, charges, c_acc, bank_account, recharged=False), None
    w = at_rate(bill, a, on, rates)
    lines = [line(bill, T.BANK, a - charges, w - c_acc, bank_account=bank_account)]
    if charges:
        lines.append(line(bill, T.BILL_DISCOUNT_CHARGES, charges, c_acc))
    lines.append(line(bill, T.BILL_REMITTED_DISCOUNT, -a, -w))
    return lines, w


def settle_lines(bill: BillOfExchange, *, on: date, rates: RateBook) -> list[VoucherLineInput]:
    a, v = bill.amount, bill.accounting_amount
    if bill.status == BillOfExchange.Status.REMITTED_DISCOUNT:
        lines = [
            line(bill, T.BILL_REMITTED_DISCOUNT, a, bill.discount_accounting_amount),
            line(bill, T.BILL_OF_EXCHANGE, -a, -v),
        ]
    else:
        lines = [
            line(bill, T.BANK, a, at_rate(bill, a, on, rates), bank_account=bill.bank_account),
            line(bill, T.BILL_REMITTED_COLLECTION, -a, -v),
        ]
    return lines + fx_line(bill, lines)


def protest_lines(
    bill: BillOfExchange,
    *,
    charges: Decimal,
    bank_account: BankAccount | None,
    on: date,
    rates: RateBook,
) -> tuple[list[VoucherLineInput], Decimal]:
    """The protest's lines, and the accounting amount of the open debit they make."""
    a, v = bill.amount, bill.accounting_amount
    status = bill.status
    on_account = (
        T.BILL_REMITTED_COLLECTION
        if status == BillOfExchange.Status.REMITTED_COLLECTION
        else T.BILL_OF_EXCHANGE
    )
    lines = [line(bill, T.CUSTOMER_BALANCE, a, v, customer=True), line(bill, on_account, -a, -v)]
    if status == BillOfExchange.Status.REMITTED_DISCOUNT:
        lines += [
            line(bill, T.BILL_REMITTED_DISCOUNT, a, bill.discount_accounting_amount),
            line(bill, T.BANK, -a, -at_rate(bill, a, on, rates), bank_account=bank_account),
        ]
    c_acc = at_rate(bill, charges, on, rates)
    lines += charges_lines(bill, charges, c_acc, bank_account, recharged=True)
    return lines + fx_line(bill, lines), v + c_acc


def bill_voucher_post(
    *,
    bill: BillOfExchange,
    on: date,
    description: str,
    source_key: str,
    lines: list[VoucherLineInput],
    actor: Actor,
    rates: RateBook,
) -> Voucher:
    (voucher,) = vouchers_post(
        vouchers=[
            VoucherInput(
                legal_entity=bill.legal_entity,
                date=on,
                description=description,
                source_key=source_key,
                lines=lines,
            )
        ],
        actor=actor,
        rates=rates,
    )
    return voucher
