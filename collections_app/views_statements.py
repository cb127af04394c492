"""Browser pages of customer statements: generate one from a customer's collections view (the
customer, or its party across the granted entities), view it, download its PDF, email it; the
list of statements, from which a pool's statements are started as a job."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from receivables.api_printing import pdf_response

from .models import CustomerPool
from .selectors import collections_customer_for_user
from .selectors.statements import customer_statement_for_user, customer_statements_for_user
from .services.statements import (
    customer_statement_create,
    customer_statement_email,
    pool_statements_start,
)
from .statement_printing import statement_pdf, statement_print_context, statement_print_html

PERMISSION = "collections_app.add_customerstatement"


def _date(value: str, field: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        errors[field] = "Enter a date as YYYY-MM-DD."
        return None


def _statement_or_404(request, pk: int):
    statement = customer_statement_for_user(request.user, pk)
    if statement is None:
        raise Http404("No such statement.")
    return statement


@require_POST
def statement_generate(request, pk: int):
    """From a customer's collections view: the statement of the customer, or of its party."""
    customer = collections_customer_for_user(request.user, pk)
    if customer is None:
        raise Http404("No such customer.")
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    errors: dict[str, str] = {}
    date_from = _date(request.POST.get("date_from"), "statement_date_from", errors)
    date_to = _date(request.POST.get("date_to"), "statement_date_to", errors)
    if not errors:
        whole_party = request.POST.get("scope") == "party"
        try:
            statement = customer_statement_create(
                actor=request.user,
                customer=None if whole_party else customer,
                party=customer.party if whole_party else None,
                date_from=date_from,
                date_to=date_to,
            )
        except ApplicationError as error:
            errors[f"statement_{error.field}" if error.field else "general"] = error.message
        else:
            return redirect("customer-statement", pk=statement.pk)
    request.session["collections_errors"] = errors
    request.session["collections_form"] = {
        "statement_date_from": request.POST.get("date_from", ""),
        "statement_date_to": request.POST.get("date_to", ""),
        "statement_scope": request.POST.get("scope", ""),
    }
    return redirect("collections-customer", pk=pk)


def statement_detail(request, pk: int):
    statement = _statement_or_404(request, pk)
    return render(
        request,
        "collections_app/statement.html",
        {
            **statement_print_context(statement),
            "errors": request.session.pop("statement_errors", {}),
            "form": request.session.pop("statement_form", {}),
        },
    )


def statement_print(request, pk: int, fmt: str = "html"):
    statement = _statement_or_404(request, pk)
    if fmt == "pdf":
        return pdf_response(statement_pdf(statement), f"statement-{statement.pk}.pdf", inline=False)
    return HttpResponse(statement_print_html(statement))


@require_POST
def statement_email(request, pk: int):
    statement = _statement_or_404(request, pk)
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    try:
        recipient = customer_statement_email(
            statement=statement, actor=request.user, email=request.POST.get("email", "")
        )
    except ApplicationError as error:
        request.session["statement_errors"] = {"email": error.message}
        request.session["statement_form"] = {"email": request.POST.get("email", "")}
    else:
        messages.success(request, f"Statement emailed to {recipient}.")
    return redirect("customer-statement", pk=pk)


def statement_list(request):
    statements = customer_statements_for_user(request.user).prefetch_related("legal_entities")
    job = request.GET.get("job", "")
    if job.isdigit() and len(job) < 19:
        statements = statements.filter(job_id=int(job))
    page = Paginator(statements, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "collections_app/statement_list.html",
        {
            "page": page,
            "pools": CustomerPool.objects.order_by("code"),
            "errors": request.session.pop("statement_errors", {}),
            "form": request.session.pop("statement_form", {})
            or {"date_from": today.replace(day=1).isoformat(), "date_to": today.isoformat()},
        },
    )


@require_POST
def statement_pool_start(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    errors: dict[str, str] = {}
    date_from = _date(request.POST.get("date_from"), "date_from", errors)
    date_to = _date(request.POST.get("date_to"), "date_to", errors)
    pool = CustomerPool.objects.filter(code=request.POST.get("pool", "")).first()
    if pool is None:
        errors["pool"] = "Choose a customer pool."
    if not errors:
        try:
            job = pool_statements_start(
                pool=pool, date_from=date_from, date_to=date_to, actor=request.user
            )
        except ApplicationError as error:
            errors[error.field or "general"] = error.message
        else:
            return redirect("job-detail", pk=job.pk)
    request.session["statement_errors"] = errors
    request.session["statement_form"] = {
        k: request.POST.get(k, "") for k in ("pool", "date_from", "date_to")
    }
    return redirect("customer-statements")
