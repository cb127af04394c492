"""What a clerk does to one statement line: accept its proposal, change its marked
transactions (the Settle transactions rows of a party), post it on account of a customer or to
a posting type, ignore it or take it back, post it.

With htmx each action answers with the line's row, updated in place (a refusal beside the
control that caused it); without JavaScript the forms post the whole page and come back to the
statement (a refusal shown on the statement page, with what was typed)."""

import re

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.money import format_amount
from core.permissions import role_required_for_writes
from entities.models import Party
from receivables.discounts import open_transaction_discount_amount
from receivables.selectors import customer_resolve

from .forms import POSTING_TYPE_CHOICES, CustomerForm, LineMarkForm, PostingTypeForm
from .models import BankStatementLine
from .selectors import (
    bank_statement_lines_for_user,
    line_open_items,
    line_party,
    parties_search,
)
from .services.lines import (
    MarkedInput,
    line_customer_set,
    line_posting_type_set,
    line_proposal_accept,
    line_status_set,
    line_transactions_mark,
)
from .services.posting import line_post
from .views_statement import lines_decorate, statement_context

Status = BankStatementLine.Status
LINE_PERMISSION = "banking.change_bankstatementline"
MARKED_ERROR = re.compile(r"^transactions\[(\d+)\]: (.*)$", re.S)


def _line(request, pk: int) -> BankStatementLine:
    return get_object_or_404(bank_statement_lines_for_user(request.user), pk=pk)


def _problem(error: ApplicationError, typed: str = "") -> dict:
    return {"field": error.field or "", "message": error.message, "typed": typed}


def _respond(request, line: BankStatementLine, *, problem=None, editor=None, done: str = ""):
    """The line's row (htmx), or back to the statement (a refusal: the statement page with it;
    the change widget: its own page)."""
    if request.htmx:
        fresh = _line(request, line.pk)
        (row,) = lines_decorate(request.user, [fresh], problems={fresh.pk: problem})
        row.editor = editor
        context = {"line": row, "statement": fresh.statement, "posting_types": POSTING_TYPE_CHOICES}
        response = render(request, "banking/_line_row.html", context)
        response["HX-Trigger"] = "bank-line-changed"
        return response
    statement = line.statement
    if editor is not None:
        context = {"line": lines_decorate(request.user, [line])[0], "editor": editor}
        return render(request, "banking/line_change.html", context)
    if problem is None:
        if done:
            messages.success(request, done)
        return redirect(reverse("bank-statement-detail", args=[statement.pk]) + f"#line-{line.pk}")
    context = statement_context(request, statement, problems={line.pk: problem})
    return render(request, "banking/statement_detail.html", context)


def line_row(request, pk: int):
    """The line's row (htmx: to put it back as it is, closing the change widget)."""
    return _respond(request, _line(request, pk))


@require_POST
@role_required_for_writes(LINE_PERMISSION)
def line_accept(request, pk: int):
    line = _line(request, pk)
    index = request.POST.get("proposal", "0")
    try:
        line = line_proposal_accept(
            line=line, index=int(index) if index.isdigit() else -1, actor=request.user
        )
    except ApplicationError as error:
        return _respond(request, line, problem=_problem(error))
    return _respond(
        request, line, done=_("Line %(line)s: proposal accepted.") % {"line": line.sequence}
    )


@require_POST
@role_required_for_writes(LINE_PERMISSION)
def line_customer(request, pk: int):
    """A payment on account of (or a refund to) a customer of the bank account's entity."""
    line = _line(request, pk)
    form = CustomerForm(request.POST)
    typed = request.POST.get("customer", "")
    if not form.is_valid():
        problem = {"field": "customer", "message": form.errors["customer"][0], "typed": typed}
        return _respond(request, line, problem=problem)
    entity = line.statement.bank_account.legal_entity
    customer = customer_resolve(entity, form.cleaned_data["customer"])
    if customer is None:
        message = _("%(entity)s has no customer %(customer)s.") % {
            "entity": entity.code,
            "customer": form.cleaned_data["customer"],
        }
        return _respond(
            request, line, problem={"field": "customer", "message": message, "typed": typed}
        )
    try:
        line = line_customer_set(line=line, customer=customer, actor=request.user)
    except ApplicationError as error:
        return _respond(request, line, problem=_problem(error, typed))
    done = _("Line %(line)s: customer %(customer)s.") % {
        "line": line.sequence,
        "customer": customer.account,
    }
    return _respond(request, line, done=done)


@require_POST
@role_required_for_writes(LINE_PERMISSION)
def line_posting_type(request, pk: int):
    line = _line(request, pk)
    form = PostingTypeForm(request.POST)
    typed = request.POST.get("posting_type", "")
    if not form.is_valid():
        message = form.errors["posting_type"][0]
        return _respond(
            request, line, problem={"field": "posting_type", "message": message, "typed": typed}
        )
    try:
        line = line_posting_type_set(
            line=line, posting_type=form.cleaned_data["posting_type"], actor=request.user
        )
    except ApplicationError as error:
        return _respond(request, line, problem=_problem(error, typed))
    done = _("Line %(line)s: posted to %(posting_type)s.") % {
        "line": line.sequence,
        "posting_type": line.posting_type,
    }
    return _respond(request, line, done=done)


@require_POST
@role_required_for_writes(LINE_PERMISSION)
def line_status(request, pk: int):
    """Ignore the line, or take it back (unmatched) to be worked again."""
    line = _line(request, pk)
    try:
        line = line_status_set(line=line, status=request.POST.get("status", ""), actor=request.user)
    except ApplicationError as error:
        return _respond(request, line, problem=_problem(error))
    done = _("Line %(line)s: %(status)s.") % {
        "line": line.sequence,
        "status": line.get_status_display(),
    }
    return _respond(request, line, done=done)


@require_POST
@role_required_for_writes(LINE_PERMISSION)
def line_post_view(request, pk: int):
    line = _line(request, pk)
    try:
        line = line_post(line=line, actor=request.user)
    except ApplicationError as error:
        return _respond(request, line, problem=_problem(error))
    return _respond(request, line, done=_("Line %(line)s posted.") % {"line": line.sequence})


# --- the change widget ------------------------------------------------------------------------


def _party(request, line: BankStatementLine) -> tuple[Party | None, list[Party], str]:
    """(the party whose items are shown, the parties a search found, what was searched)."""
    data = request.POST if request.method == "POST" else request.GET
    number = data.get("party", "").strip()
    query = data.get("q", "").strip()
    if number:
        return Party.objects.filter(number=number).first(), [], query
    if query:
        found = parties_search(request.user, query)
        return (found[0] if len(found) == 1 else None), found, query
    return line_party(line), [], query


def _chosen(line: BankStatementLine) -> dict[int, dict]:
    """What the widget starts with: the line's marked transactions, or its best proposal's."""
    entries = line.marked or []
    if not entries and line.proposals and not line.proposals[0].get("tie"):
        entries = line.proposals[0].get("transactions", [])
    return {int(e["transaction"]): e for e in entries}


def _initial(line: BankStatementLine, items) -> dict:
    chosen = _chosen(line)
    initial = {}
    for ot in items:
        discount = abs(open_transaction_discount_amount(ot, on=line.value_date))
        ot.discount_today = discount
        given = chosen.get(ot.pk, {})
        initial[f"mark_{ot.pk}"] = ot.pk in chosen
        initial[f"amount_{ot.pk}"] = given.get("amount") or format_amount(
            abs(ot.open_amount) - discount, ot.currency
        )
        if ot.amount > 0:
            initial[f"discount_{ot.pk}"] = given.get("cash_discount") or format_amount(
                discount, ot.currency
            )
        initial[f"full_{ot.pk}"] = bool(given.get("full_settlement"))
    return initial


def _editor(request, line, party, parties, query, form=None, problem="") -> dict:
    items = line_open_items(request.user, line, party) if party is not None else []
    if form is None:
        form = LineMarkForm(
            initial=_initial(line, items), transactions=items, auto_id=f"id_line{line.pk}_%s"
        )
    else:
        for ot in items:
            ot.discount_today = abs(open_transaction_discount_amount(ot, on=line.value_date))
        form.transactions = items
    return {
        "form": form,
        "party": party,
        "parties": parties,
        "q": query,
        "problem": problem,
    }


def _attach(error: ApplicationError, form: LineMarkForm) -> str:
    """A refusal beside the amount of the transaction it names; otherwise the widget's."""
    found = MARKED_ERROR.match(error.message)
    marked = form.marked()
    if found and int(found.group(1)) < len(marked):
        form.add_error(f"amount_{marked[int(found.group(1))]['transaction']}", found.group(2))
        return ""
    return error.message


@role_required_for_writes(LINE_PERMISSION)
def line_change(request, pk: int):
    """The Settle transactions rows for the line: the open debits of the party it most likely
    paid (or of one found by customer, party or document number), marked with amounts and
    discounts; saving marks them on the line."""
    line = _line(request, pk)
    party, parties, query = _party(request, line)
    if request.method != "POST":
        return _respond(request, line, editor=_editor(request, line, party, parties, query))
    items = line_open_items(request.user, line, party) if party is not None else []
    form = LineMarkForm(request.POST, transactions=items, auto_id=f"id_line{line.pk}_%s")
    problem = ""
    if form.is_valid():
        marked = [
            MarkedInput(
                transaction=row["transaction"],
                amount=row["amount"],
                cash_discount=row["cash_discount"],
                full_settlement=row["full_settlement"],
            )
            for row in form.marked()
        ]
        try:
            line = line_transactions_mark(line=line, transactions=marked, actor=request.user)
        except ApplicationError as error:
            problem = _attach(error, form)
        else:
            count = len(marked)
            done = _("Line %(line)s: %(count)s marked.") % {"line": line.sequence, "count": count}
            return _respond(request, line, done=done)
    else:
        problem = _("Check the highlighted amounts.")
    editor = _editor(request, line, party, parties, query, form=form, problem=problem)
    return _respond(request, line, editor=editor)
