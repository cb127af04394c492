"""Browser pages of bills of exchange: the list of the current legal entity's bills, drawing one
(a customer, then its open debits to mark), and a bill's page with its debits, its history (each
step with the voucher it posted) and one form per step it may take next, and Reverse last step."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.permissions import role_required_for_writes
from entities.context_processors import current_legal_entity
from entities.selectors import audit_entries_for
from ledger.models import LedgerEntry

from .forms_bills import STEP_FORMS, BillDrawForm
from .models import BillOfExchange
from .selectors import bill_open_debits, bills_for_user
from .services.bills import (
    allowed_steps,
    bill_accept,
    bill_draw,
    bill_protest,
    bill_remit,
    bill_reverse,
    bill_settle,
)

WRITE = "banking.add_billofexchange"


def _entity(request):
    entity = current_legal_entity(request)
    if entity is None:
        raise Http404("You are not granted any legal entity.")
    return entity


def bill_list(request):
    entity = _entity(request)
    bills = bills_for_user(request.user).filter(legal_entity=entity).order_by("-date", "-id")
    status = request.GET.get("status", "")
    if status in BillOfExchange.Status.values:
        bills = bills.filter(status=status)
    page = Paginator(bills, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "banking/bills/list.html",
        {"page": page, "entity": entity, "status": status, "statuses": BillOfExchange.Status},
    )


def _chosen_customer(form: BillDrawForm, data):
    value = data.get("customer")
    if not value:
        return None
    try:
        return form.fields["customer"].clean(value)
    except Exception:  # an unknown customer is the form's to report
        return None


@role_required_for_writes(WRITE)
def bill_draw_view(request):
    """Choose a customer, mark its open debits, give the dates, draw."""
    entity = _entity(request)
    data = request.POST if request.method == "POST" else request.GET
    today = timezone.localdate()
    initial = {"date": today, "due_date": today + timedelta(days=30)}
    probe = BillDrawForm(entity=entity)
    customer = _chosen_customer(probe, data)
    debits = list(bill_open_debits(customer)) if customer is not None else []
    if request.method == "POST":
        form = BillDrawForm(request.POST, entity=entity, debits=debits)
        if form.is_valid():
            try:
                bill = bill_draw(
                    legal_entity=entity,
                    customer=form.cleaned_data["customer"],
                    on=form.cleaned_data["date"],
                    due_date=form.cleaned_data["due_date"],
                    transactions=form.cleaned_data["transactions"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Bill %(bill)s drawn.") % {"bill": bill.number})
                return redirect("bill-of-exchange-detail", pk=bill.pk)
    else:
        form = BillDrawForm(initial={**initial, "customer": customer}, entity=entity, debits=debits)
    return render(
        request,
        "banking/bills/draw.html",
        {"form": form, "entity": entity, "customer": customer, "debits": debits},
    )


def _page(request, bill: BillOfExchange, bound=None, status=200):
    """The bill's page; ``bound`` is the step form that came back with errors."""
    bill = bills_for_user(request.user).get(pk=bill.pk)
    allowed = allowed_steps(bill.status)
    offered = [
        name
        for name in ("accept", "remit", "settle", "protest")
        if any(step.startswith(name) for step in allowed)
    ]
    if bill.status != BillOfExchange.Status.REVERSED:
        offered.append("reverse")
    forms = {
        name: bound
        if bound is not None and bound.prefix == name
        else STEP_FORMS[name](bill=bill, prefix=name)
        for name in offered
    }
    vouchers = [s.voucher_id for s in bill.steps.all() if s.voucher_id] + [
        s.reversal_voucher_id for s in bill.steps.all() if s.reversal_voucher_id
    ]
    postings: dict[int, list[LedgerEntry]] = {}
    for entry in (
        LedgerEntry.objects.filter(voucher_id__in=vouchers)
        .select_related("account")
        .order_by("voucher_id", "id")
    ):
        postings.setdefault(entry.voucher_id, []).append(entry)
    steps = [
        (
            step,
            postings.get(step.voucher_id, []),
            postings.get(step.reversal_voucher_id, []),
        )
        for step in bill.steps.all()
    ]
    # A step the bill may no longer take (another clerk moved it on) says why on top.
    problem = ""
    if bound is not None and bound.prefix not in forms:
        problem = " ".join(str(e) for e in bound.non_field_errors())
    context = {
        "problem": problem,
        "bill": bill,
        "forms": forms,
        "steps": steps,
        "audit_entries": audit_entries_for(bill, user=request.user)[:20],
    }
    return render(request, "banking/bills/detail.html", context, status=status)


def bill_detail(request, pk: int):
    return _page(request, get_object_or_404(bills_for_user(request.user), pk=pk))


def _run(step: str, bill: BillOfExchange, data: dict, actor) -> BillOfExchange:
    if step == "accept":
        return bill_accept(bill=bill, on=data["date"], actor=actor)
    if step == "remit":
        return bill_remit(
            bill=bill,
            on=data["date"],
            bank_account=data["bank_account"],
            mode=data["mode"],
            charges=data.get("charges"),
            actor=actor,
        )
    if step == "settle":
        return bill_settle(bill=bill, on=data["date"], actor=actor)
    if step == "protest":
        return bill_protest(
            bill=bill,
            on=data["date"],
            charges=data.get("charges"),
            bank_account=data.get("bank_account"),
            actor=actor,
        )
    return bill_reverse(bill=bill, on=data.get("date"), actor=actor)


DONE = {
    "accept": gettext_lazy("Bill %(bill)s accepted."),
    "remit": gettext_lazy("Bill %(bill)s remitted."),
    "settle": gettext_lazy("Bill %(bill)s settled."),
    "protest": gettext_lazy("Bill %(bill)s protested."),
    "reverse": gettext_lazy("Bill %(bill)s reversed to its step before."),
}


@require_POST
@role_required_for_writes(WRITE)
def bill_step(request, pk: int, step: str):
    """One step of the bill from its page; an error comes back beside its field."""
    bill = get_object_or_404(bills_for_user(request.user), pk=pk)
    if step not in STEP_FORMS:
        raise Http404("No such step.")
    form = STEP_FORMS[step](request.POST, bill=bill, prefix=step)
    if not form.is_valid():
        return _page(request, bill, form, status=400)
    try:
        _run(step, bill, form.cleaned_data, request.user)
    except ApplicationError as error:
        if error.http_status == 403:
            raise PermissionDenied(error.message) from None
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _page(request, bill, form, status=error.http_status)
    messages.success(request, DONE[step] % {"bill": bill.number})
    return redirect("bill-of-exchange-detail", pk=pk)
