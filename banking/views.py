"""Browser pages of the banking room: the bank accounts with their reconciliation, a bank
account's reconciliation on a date, the statement list and the import page. A statement's page
is in ``views_statement``, what a clerk does to its lines in ``views_lines``."""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.permissions import role_required_for_writes
from entities.views_saved_filters import saved_filters_apply

from .forms import StatementFilterForm, StatementImportForm
from .models import BankStatement, BankStatementLine
from .selectors import (
    bank_account_reconciliation,
    bank_accounts_for_user,
    bank_statements_for_user,
)
from .services.imports import statement_import


def bank_account_list(request):
    """Every bank account of the user's entities with its reconciliation today."""
    today = timezone.localdate()
    accounts = list(bank_accounts_for_user(request.user))
    rows = [bank_account_reconciliation(bank_account=a, on=today) for a in accounts]
    return render(request, "banking/account_list.html", {"rows": rows, "today": today})


def _date_param(request) -> tuple[date, str]:
    """The ``date`` asked for (today when none), or today with what was wrong with it."""
    given = request.GET.get("date", "").strip()
    if not given:
        return timezone.localdate(), ""
    try:
        return date.fromisoformat(given), ""
    except ValueError:
        return timezone.localdate(), f"{given!r} is not a date; write it as 2026-03-31."


def bank_account_reconciliation_view(request, pk: int):
    """A bank account's ledger balance against its last statement on a date, with the
    statements up to that date and the lines not yet posted."""
    account = get_object_or_404(bank_accounts_for_user(request.user), pk=pk)
    on, date_error = _date_param(request)
    reconciliation = bank_account_reconciliation(bank_account=account, on=on)
    statements = BankStatement.objects.filter(bank_account=account, to_date__lte=on).order_by(
        "-to_date", "-id"
    )
    lines = (
        BankStatementLine.objects.filter(statement__in=statements)
        .exclude(status__in=BankStatementLine.DONE)
        .select_related("statement")
        .order_by("booking_date", "statement_id", "sequence")
    )
    return render(
        request,
        "banking/reconciliation.html",
        {
            "account": account,
            "r": reconciliation,
            "on": on,
            "date_typed": request.GET.get("date", on.isoformat()),
            "date_error": date_error,
            "statements": statements[:100],
            "lines": lines[:500],
        },
    )


@saved_filters_apply("bank_statements")
def bank_statement_list(request):
    form = StatementFilterForm(request.GET or None, user=request.user)
    statements = bank_statements_for_user(request.user).order_by("-to_date", "-id")
    if form.is_bound and form.is_valid():
        if form.cleaned_data["bank_account"]:
            statements = statements.filter(bank_account=form.cleaned_data["bank_account"])
        if form.cleaned_data["status"]:
            statements = statements.filter(status=form.cleaned_data["status"])
    page = Paginator(statements, 50).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    context = {"form": form, "page": page, "filters": filters.urlencode() + "&" if filters else ""}
    return render(request, "banking/statement_list.html", context)


@role_required_for_writes("banking.add_bankstatement")
def bank_statement_import(request):
    """Upload a statement file for one of the user's bank accounts: every statement in it is
    stored (and queued for matching), or none and the page says why, beside the field."""
    if request.method != "POST":
        form = StatementImportForm(user=request.user)
        return render(request, "banking/import.html", {"form": form})
    form = StatementImportForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            statements = statement_import(
                bank_account=data["bank_account"],
                fmt=data["format"],
                data=data["file"].read(),
                file_name=data["file"].name or "",
                csv_mapping=data["csv_mapping"],
                actor=request.user,
            )
        except ApplicationError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
        else:
            lines = sum(s.lines.count() for s in statements)
            messages.success(
                request,
                _(
                    "Imported %(statements)s statement(s) with %(lines)s line(s); matching runs "
                    "in the background."
                )
                % {"statements": len(statements), "lines": lines},
            )
            if len(statements) == 1:
                return redirect("bank-statement-detail", pk=statements[0].pk)
            account = data["bank_account"]
            return redirect(f"{reverse('bank-statement-list')}?bank_account={account.pk}")
    return render(request, "banking/import.html", {"form": form})
