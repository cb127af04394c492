"""What the clerk changes on a statement line before posting: the transactions it settles
(accepted from a proposal or marked by hand), a customer to post a payment on account (or a
refund) for, a ledger posting type, or ignoring it. Each change is checked and audited."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from core.audit import Actor, audit_record
from core.errors import InvalidInput
from core.money import ZERO, format_amount, has_valid_precision
from entities.models import Customer
from entities.selectors import user_can_act_in
from entities.services import ensure_can_act
from ledger.models import PostingType
from receivables.discounts import open_transaction_discount_amount
from receivables.locks import open_transactions_in_bulk

from ..exceptions import LineConflict, LineInvalid
from ..models import BankStatement, BankStatementLine
from .returns import RETURN_RULE
from .status import statement_status_refresh

Status = BankStatementLine.Status

# A line may be posted against these instead of a customer: accounts nothing else keeps in
# balance (customer balance, bank, intercompany, bills and payment differences have owners).
LINE_POSTING_TYPES = (
    PostingType.BANK_CHARGES,
    PostingType.INTEREST,
    PostingType.REVENUE,
    PostingType.FX_REALIZED_GAIN,
    PostingType.FX_REALIZED_LOSS,
)


@dataclass(frozen=True)
class MarkedInput:
    transaction: int
    amount: Decimal | None = None
    cash_discount: Decimal | None = None
    full_settlement: bool = False


def _locked(line: BankStatementLine, actor: Actor) -> BankStatementLine:
    line = (
        BankStatementLine.objects.select_for_update(of=("self",))
        .select_related("statement__bank_account__legal_entity")
        .get(pk=line.pk)
    )
    ensure_can_act(actor, line.statement.bank_account.legal_entity, field="line")
    if line.status == Status.POSTED:
        raise LineInvalid(gettext("The line is posted and cannot change."), field="status")
    return line


def _save(
    line: BankStatementLine, before: dict, actor: Actor, action: str, *, keeps_return=False
) -> BankStatementLine:
    """Write what the clerk decided; matching again leaves the line as the clerk left it
    (``marked_by_user``) until it is taken back to unmatched."""
    line.error = ""
    line.marked_by_user = line.status != Status.UNMATCHED
    if line.returned_payment_id is not None and not keeps_return:
        # The clerk decided otherwise: the line no longer returns that payment.
        line.returned_payment = None
        line.proposals = [p for p in line.proposals if p.get("rule") != RETURN_RULE]
    line.save(
        update_fields=[
            "marked",
            "customer",
            "posting_type",
            "status",
            "error",
            "marked_by_user",
            "returned_payment",
            "proposals",
        ]
    )
    after = {"status": line.status, "marked": line.marked, "posting_type": line.posting_type}
    audit_record(
        actor=actor,
        action=action,
        obj=line,
        changes={k: (before[k], after[k]) for k in after if before[k] != after[k]},
        legal_entity=line.statement.bank_account.legal_entity,
    )
    statement_status_refresh(statement=line.statement)
    return line


def _snapshot(line: BankStatementLine) -> dict:
    return {"status": line.status, "marked": line.marked, "posting_type": line.posting_type}


@transaction.atomic
def line_transactions_mark(
    *, line: BankStatementLine, transactions: Sequence[MarkedInput], actor: Actor
) -> BankStatementLine:
    """Mark the open transactions the line settles (all of one party, open, in the line's
    currency, not taken by another line of the statement, in entities the user may act in),
    each with its amount (default: what is open less the discount available on the value date)
    up to what the line still has."""
    line = _locked(line, actor)
    before = _snapshot(line)
    if line.amount <= 0:
        raise LineInvalid(
            gettext("Only money received settles open transactions."), field="transactions"
        )
    if not transactions:
        raise LineInvalid(gettext("Mark at least one transaction."), field="transactions")
    ids = [item.transaction for item in transactions]
    if len(set(ids)) != len(ids):
        raise LineInvalid(gettext("A transaction is marked twice."), field="transactions")
    found = open_transactions_in_bulk(ids)
    taken = _taken_by_other_lines(line)
    checked, party = [], None
    for index, item in enumerate(transactions):
        where = f"transactions[{index}]"
        ot = found.get(item.transaction)
        if ot is None or not user_can_act_in(actor, ot.legal_entity_id):
            raise LineInvalid(
                gettext("%(where)s: transaction %(transaction)s does not exist.")
                % {"where": where, "transaction": item.transaction},
                field="transactions",
            )
        _check_transaction(line, ot, where, party, taken)
        party = ot.party
        checked.append((index, where, ot, item))
    # Credits (credit notes, payments on account) add to what the line settles: an 80.00
    # line closes a 100.00 invoice with a 20.00 credit note.
    marked: dict[int, dict] = {}
    remaining = line.amount
    for index, where, ot, item in sorted(checked, key=lambda c: c[2].amount > 0):
        amount, discount = _amounts(line, ot, item, remaining, where)
        remaining += -amount if ot.amount > 0 else amount
        marked[index] = {
            "transaction": ot.pk,
            "amount": format_amount(amount, ot.currency),
            "cash_discount": None if discount is None else format_amount(discount, ot.currency),
            "full_settlement": item.full_settlement,
            "credit": ot.amount < 0,
        }
    marked = [marked[index] for index in sorted(marked)]
    line.customer = _customer_in_bank_entity(line, party)
    if not any(not item["credit"] for item in marked):
        raise LineInvalid(
            gettext("Mark at least one invoice or other debit."), field="transactions"
        )
    line.marked, line.posting_type, line.status = marked, "", Status.MATCHED
    return _save(line, before, actor, "bank_statement_line.marked")


def _taken_by_other_lines(line: BankStatementLine) -> dict[int, int]:
    taken = {}
    others = line.statement.lines.exclude(pk=line.pk).exclude(status__in=BankStatementLine.DONE)
    for sequence, marked in others.exclude(marked=[]).values_list("sequence", "marked"):
        for item in marked:
            taken[int(item["transaction"])] = sequence
    return taken


def _check_transaction(line, ot, where: str, party, taken: dict[int, int]) -> None:
    if ot.open_amount == 0:
        raise LineConflict(
            gettext("%(where)s: %(document)s is already settled.")
            % {"where": where, "document": ot.document_number},
            field="transactions",
        )
    if ot.currency != line.currency:
        raise LineInvalid(
            gettext("%(where)s: %(document)s is in %(currency)s, the line in %(line_currency)s.")
            % {
                "where": where,
                "document": ot.document_number,
                "currency": ot.currency,
                "line_currency": line.currency,
            },
            field="transactions",
        )
    if party is not None and ot.party_id != party.pk:
        raise LineInvalid(
            gettext(
                "%(where)s: %(document)s is party %(its_party)s's; one line settles one party's "
                "transactions (party %(party)s)."
            )
            % {
                "where": where,
                "document": ot.document_number,
                "its_party": ot.party.number,
                "party": party.number,
            },
            field="transactions",
        )
    if ot.pk in taken:
        raise LineConflict(
            gettext("%(where)s: line %(line)s of this statement already takes %(document)s.")
            % {"where": where, "line": taken[ot.pk], "document": ot.document_number},
            field="transactions",
        )


def _amounts(line, ot, item: MarkedInput, remaining: Decimal, where: str):
    open_amount = abs(ot.open_amount)
    for value, name in ((item.amount, "amount"), (item.cash_discount, "cash_discount")):
        if value is not None and (value < 0 or not has_valid_precision(value, ot.currency)):
            raise LineInvalid(
                gettext("%(where)s: %(name)s %(value)s is not an amount of %(currency)s.")
                % {"where": where, "name": name, "value": value, "currency": ot.currency},
                field="transactions",
            )
    if ot.amount < 0:
        # A credit: all of it by default; it takes no discount here.
        amount = item.amount if item.amount is not None else open_amount
        if amount == 0 or amount > open_amount:
            raise LineInvalid(
                gettext(
                    "%(where)s: %(amount)s is not between 0 and %(document)s's open credit "
                    "%(open)s."
                )
                % {
                    "where": where,
                    "amount": format_amount(amount, ot.currency),
                    "document": ot.document_number,
                    "open": format_amount(open_amount, ot.currency),
                },
                field="transactions",
            )
        return amount, None
    if item.cash_discount is not None:
        discount = item.cash_discount
    else:
        discount = abs(open_transaction_discount_amount(ot, on=line.value_date))
    amount = item.amount if item.amount is not None else min(open_amount - discount, remaining)

    def money(value):
        return format_amount(value, ot.currency)

    if amount > remaining:
        raise LineInvalid(
            gettext("%(where)s: %(amount)s is more than the line has left (%(remaining)s).")
            % {"where": where, "amount": money(amount), "remaining": money(remaining)},
            field="transactions",
        )
    if amount <= 0:
        raise LineInvalid(
            gettext("%(where)s: nothing of the line is left for %(document)s.")
            % {"where": where, "document": ot.document_number},
            field="transactions",
        )
    if item.cash_discount is None and amount + discount != open_amount:
        # A partial payment (an amount given between the discounted and the open amount is
        # one too): the settlement applies the entity's rule for partial discounts.
        discount = None
    if amount + (discount or ZERO) > open_amount:
        values = {
            "where": where,
            "amount": money(amount),
            "discount": money(discount or ZERO),
            "document": ot.document_number,
            "open": money(open_amount),
        }
        raise LineInvalid(
            (
                gettext(
                    "%(where)s: %(amount)s plus discount %(discount)s is more than "
                    "%(document)s's open amount %(open)s."
                )
                if discount
                else gettext(
                    "%(where)s: %(amount)s is more than %(document)s's open amount %(open)s."
                )
            )
            % values,
            field="transactions",
        )
    return amount, discount


def _customer_in_bank_entity(line: BankStatementLine, party) -> Customer:
    """The party's customer account in the bank account's entity: the payment is posted there
    (a centralized payment when the transactions are another entity's)."""
    entity = line.statement.bank_account.legal_entity
    customer = Customer.objects.filter(legal_entity=entity, party=party).order_by("pk").first()
    if customer is None:
        raise LineInvalid(
            gettext(
                "Party %(party)s has no customer account in %(entity)s, where the payment is "
                "posted."
            )
            % {"party": party.number, "entity": entity.code},
            field="transactions",
        )
    return customer


@transaction.atomic
def line_proposal_accept(
    *, line: BankStatementLine, index: int = 0, actor: Actor
) -> BankStatementLine:
    """Take the line's proposal ``index`` (the best one by default) as its marked transactions."""
    current = BankStatementLine.objects.get(pk=line.pk)
    if not 0 <= index < len(current.proposals):
        raise LineInvalid(
            gettext("The line has no proposal %(index)s.") % {"index": index}, field="proposal"
        )
    proposal = current.proposals[index]
    if proposal.get("rule") == "return":
        return current
    return line_transactions_mark(
        line=current,
        transactions=[
            MarkedInput(
                int(t["transaction"]),
                amount=Decimal(str(t["amount"])),
                cash_discount=Decimal(str(t.get("cash_discount") or "0")),
            )
            for t in proposal["transactions"]
        ],
        actor=actor,
    )


@transaction.atomic
def line_customer_set(
    *, line: BankStatementLine, customer: Customer, actor: Actor
) -> BankStatementLine:
    """Post the line as a payment on account of ``customer`` (money in) or as a refund to it
    (money out): a customer of the bank account's entity."""
    line = _locked(line, actor)
    before = _snapshot(line)
    entity = line.statement.bank_account.legal_entity
    if customer.legal_entity_id != entity.pk:
        raise LineInvalid(
            gettext("Customer %(customer)s is not in %(entity)s, where the payment is posted.")
            % {"customer": customer.account, "entity": entity.code},
            field="customer",
        )
    line.customer, line.marked, line.posting_type = customer, [], ""
    line.status = Status.MATCHED
    return _save(line, before, actor, "bank_statement_line.customer_set")


@transaction.atomic
def line_posting_type_set(
    *, line: BankStatementLine, posting_type: str, actor: Actor
) -> BankStatementLine:
    """Post the line to a ledger posting type (bank charges, interest) instead."""
    if posting_type not in LINE_POSTING_TYPES:
        raise LineInvalid(
            gettext("%(posting_type)s is not a posting type a bank line can go to: %(types)s.")
            % {"posting_type": repr(posting_type), "types": ", ".join(LINE_POSTING_TYPES)},
            field="posting_type",
        )
    line = _locked(line, actor)
    before = _snapshot(line)
    line.posting_type, line.marked, line.customer = posting_type, [], None
    line.status = Status.MATCHED
    return _save(line, before, actor, "bank_statement_line.posting_type_set")


@transaction.atomic
def line_status_set(*, line: BankStatementLine, status: str, actor: Actor) -> BankStatementLine:
    """Ignore a line (deliberately not posted), or take it back to be matched again."""
    if status not in (Status.IGNORED, Status.UNMATCHED):
        raise InvalidInput(
            gettext("A line's status is set to ignored or unmatched only."), field="status"
        )
    line = _locked(line, actor)
    before = _snapshot(line)
    line.status = status
    if status == Status.UNMATCHED:
        line.marked, line.posting_type, line.customer = [], "", None
    return _save(
        line, before, actor, f"bank_statement_line.{status}", keeps_return=status == Status.IGNORED
    )


@transaction.atomic
def statement_warnings_resolve(
    *, statement: BankStatement, note: str, actor: Actor
) -> BankStatement:
    """Accept a statement's balance warnings, saying why, so that it can be reconciled."""
    statement = BankStatement.objects.select_for_update().get(pk=statement.pk)
    ensure_can_act(actor, statement.bank_account.legal_entity, field="statement")
    if not statement.balance_warnings:
        raise InvalidInput(gettext("The statement has no balance warnings."), field="statement")
    if not note.strip():
        raise InvalidInput(gettext("Say why the warnings may stand."), field="note")
    statement.warnings_resolved_by = actor
    statement.warnings_resolved_note = note.strip()
    statement.save(update_fields=["warnings_resolved_by", "warnings_resolved_note"])
    audit_record(
        actor=actor,
        action="bank_statement.warnings_resolved",
        obj=statement,
        changes={"warnings": (statement.balance_warnings, note.strip())},
        legal_entity=statement.bank_account.legal_entity,
    )
    return statement_status_refresh(statement=statement)
