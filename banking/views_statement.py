"""A statement's page: its header (balances, warnings to resolve, counts, the matching job's
progress, match again, post all matched lines) and its lines with what each proposes, marks and
posted. What a clerk does to one line is in ``views_lines``; both render lines through
``lines_decorate`` and the row partial."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.permissions import role_required_for_writes

from .forms import POSTING_TYPE_CHOICES, WarningsResolveForm
from .models import BankStatement, BankStatementLine
from .selectors import (
    bank_customers,
    bank_statements_for_user,
    line_transaction_ids,
    lines_for_viewer,
    open_transactions_by_id,
    statement_line_counts,
    statement_matching_job,
)
from .services.lines import statement_warnings_resolve
from .services.matching_jobs import statements_match_start
from .services.posting import statement_post

Status = BankStatementLine.Status
STATEMENT_PERMISSION = "banking.change_bankstatement"


def _items(entries, by_id) -> list[dict]:
    return [
        {
            "ot": by_id.get(int(entry["transaction"])) if entry.get("transaction") else None,
            "transaction": entry["transaction"],
            "amount": entry.get("amount"),
            "cash_discount": entry.get("cash_discount"),
            "full_settlement": entry.get("full_settlement", False),
        }
        for entry in entries
    ]


def lines_decorate(user, lines, *, problems=None) -> list[BankStatementLine]:
    """The lines ready for the row partial: money in and out, the best proposal (or the tied
    ones, each with its index), the marked transactions with their document numbers, and a
    problem (``{"field", "message"}``) to show beside the line's controls."""
    lines = lines_for_viewer(lines, user)
    by_id = open_transactions_by_id(user, line_transaction_ids(lines))
    problems = problems or {}
    for line in lines:
        line.money_in = line.amount if line.amount > 0 else None
        line.money_out = -line.amount if line.amount < 0 else None
        proposals = [
            {**p, "index": i, "items": _items(p.get("transactions", []), by_id)}
            for i, p in enumerate(line.proposals or [])
        ]
        line.ties = [p for p in proposals if p.get("tie")]
        line.best = proposals[0] if proposals and not line.ties else None
        line.marked_items = _items(line.marked or [], by_id)
        line.problem = problems.get(line.pk)
        line.open = line.status != Status.POSTED  # an ignored line may be taken back
    return lines


def statement_context(request, statement: BankStatement, *, problems=None) -> dict:
    lines = statement.lines.select_related("customer__party", "payment", "voucher").order_by(
        "sequence"
    )
    return {
        "statement": statement,
        "account": statement.bank_account,
        "counts": statement_line_counts(statement),
        "job": statement_matching_job(statement),
        "lines": lines_decorate(request.user, lines, problems=problems),
        "customers": bank_customers(statement.bank_account),
        "posting_types": POSTING_TYPE_CHOICES,
        "warnings_form": WarningsResolveForm(),
    }


def bank_statement_detail(request, pk: int):
    statement = get_object_or_404(bank_statements_for_user(request.user), pk=pk)
    part = request.GET.get("part")
    if part == "counts":
        context = {"statement": statement, "counts": statement_line_counts(statement)}
        return render(request, "banking/_statement_counts.html", context)
    if part == "progress":
        return _progress(request, statement)
    return render(request, "banking/statement_detail.html", statement_context(request, statement))


def _progress(request, statement: BankStatement) -> HttpResponse:
    """The matching job's bar while it runs; once it is done the page reloads to show what
    matching proposed."""
    job = statement_matching_job(statement)
    response = render(
        request, "banking/_statement_progress.html", {"job": job, "statement": statement}
    )
    if job is None:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@role_required_for_writes(STATEMENT_PERMISSION)
def bank_statement_match(request, pk: int):
    """Match the statement's open lines again, as a job."""
    statement = get_object_or_404(bank_statements_for_user(request.user), pk=pk)
    try:
        job = statements_match_start(statements=[statement], actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if job is None:
            messages.error(
                request,
                _(
                    "A matching job of %(entity)s is already queued or running; try again when "
                    "it is done."
                )
                % {"entity": statement.bank_account.legal_entity.code},
            )
        else:
            messages.success(request, _("Matching queued (job %(job)s).") % {"job": job.pk})
    return redirect("bank-statement-detail", pk=pk)


@require_POST
@role_required_for_writes(STATEMENT_PERMISSION)
def bank_statement_post(request, pk: int):
    """Post every matched line, each on its own: which were posted, and why the others not."""
    statement = get_object_or_404(bank_statements_for_user(request.user), pk=pk)
    try:
        results = statement_post(statement=statement, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("bank-statement-detail", pk=pk)
    posted = [r.line.sequence for r in results if r.error is None]
    if not results:
        messages.info(request, _("No line is matched: nothing to post."))
    if posted:
        numbers = ", ".join(str(n) for n in posted)
        messages.success(
            request,
            _("Posted %(count)s line(s): %(numbers)s.")
            % {"count": len(posted), "numbers": numbers},
        )
    for result in results:
        if result.error is not None:
            messages.error(
                request,
                _("Line %(line)s not posted: %(error)s")
                % {"line": result.line.sequence, "error": result.error.message},
            )
    return redirect("bank-statement-detail", pk=pk)


@role_required_for_writes(STATEMENT_PERMISSION)
def bank_statement_resolve_warnings(request, pk: int):
    """Accept the statement's balance warnings with a note saying why."""
    statement = get_object_or_404(bank_statements_for_user(request.user), pk=pk)
    if request.method != "POST":
        return redirect("bank-statement-detail", pk=pk)
    form = WarningsResolveForm(request.POST)
    if form.is_valid():
        try:
            statement_warnings_resolve(
                statement=statement, note=form.cleaned_data["note"], actor=request.user
            )
        except ApplicationError as error:
            form.add_error("note" if error.field == "note" else None, error.message)
        else:
            messages.success(request, _("Balance warnings resolved."))
            return redirect("bank-statement-detail", pk=pk)
    context = statement_context(request, statement)
    context["warnings_form"] = form
    return render(request, "banking/statement_detail.html", context)
