"""Browser pages of the settlement room: Settle transactions (mark, amounts, live totals, post)
and a settlement's page (vouchers per entity, reverse)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.permissions import role_required_for_writes
from entities.models import Party
from entities.selectors import audit_entries_for, user_can_act_in
from entities.views_saved_filters import saved_filters_apply
from receivables.discounts import open_transaction_discount_amount
from receivables.models import OpenTransaction
from receivables.selectors import document_for_user

from .forms import InvoiceCorrectForm, SettleForm
from .models import Settlement
from .selectors import settlement_open_items, settlement_vouchers, settlements_for_user
from .services import (
    SettlementLineInput,
    invoice_correct,
    settlement_create,
    settlement_reverse,
)
from .services.preview import settlement_preview_data


def _party_and_start(request):
    payment_id = request.GET.get("payment") or request.POST.get("payment")
    if payment_id and payment_id.isdigit():
        payment = get_object_or_404(
            OpenTransaction.objects.select_related("legal_entity"), pk=int(payment_id)
        )
        if not user_can_act_in(request.user, payment.legal_entity):
            raise Http404("No such payment.")
        return payment.party, payment
    number = request.GET.get("party") or request.POST.get("party") or ""
    return get_object_or_404(Party, number=number), None


def _inputs(form: SettleForm) -> list[SettlementLineInput]:
    return [
        SettlementLineInput(
            transaction=row["transaction"],
            amount=row["amount"] or None,
            cash_discount=row["cash_discount"],
            full_settlement=row["full_settlement"],
        )
        for row in form.marked()
    ]


@role_required_for_writes("settlement.add_settlement")
def settle(request):
    """Settle transactions: every open item of the party across the granted entities."""
    party, start = _party_and_start(request)
    items = list(settlement_open_items(request.user, party))
    if request.method == "POST":
        form = SettleForm(request.POST, transactions=items)
        if form.is_valid():
            primary = form.cleaned_data.get("primary") or None
            try:
                settlement = settlement_create(
                    lines=_inputs(form),
                    on=form.cleaned_data["date"],
                    primary=primary,
                    actor=request.user,
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"Settlement {settlement.pk} posted.")
                return redirect("settlement-detail", pk=settlement.pk)
    else:
        # The payment's date by default; a changed date or marks come back in the query.
        initial = {"date": start.date if start else timezone.localdate()}
        if start is not None:
            initial[f"mark_{start.pk}"] = True
        probe = SettleForm(request.GET, transactions=items)
        probe.is_valid()
        for name, value in probe.cleaned_data.items():
            if name in request.GET and value not in (None, ""):
                initial[name] = value
        form = SettleForm(initial=initial, transactions=items)
    if form.is_bound:
        on = form.cleaned_data.get("date") if form.is_valid() else None
    else:
        on = form.initial.get("date")
    for ot in items:
        ot.discount_today = open_transaction_discount_amount(ot, on=on) if on else None
    return render(
        request,
        "settlement/settle.html",
        {
            "party": party,
            "start": start,
            "form": form,
            "items": items,
        },
    )


@require_POST
def settle_preview(request):
    """Live totals of the Settle transactions page (htmx): the same computation as posting."""
    party, _ = _party_and_start(request)
    items = list(settlement_open_items(request.user, party))
    form = SettleForm(request.POST, transactions=items)
    context = {"preview": None, "problem": "", "items": []}
    if form.is_valid():
        # The discounts each item offers on the chosen date, swapped into the table.
        for ot in items:
            ot.discount_today = open_transaction_discount_amount(ot, on=form.cleaned_data["date"])
        context["items"] = items
    if not form.is_valid():
        context["problem"] = "Check the highlighted amounts and the date."
    elif not form.marked():
        context["problem"] = "Mark the transactions to settle."
    else:
        try:
            context["preview"] = settlement_preview_data(
                lines=_inputs(form),
                on=form.cleaned_data["date"],
                primary=form.cleaned_data.get("primary") or None,
                actor=request.user,
            )
        except ApplicationError as error:
            context["problem"] = error.message
    return render(request, "settlement/_preview.html", context)


def settlement_detail(request, pk: int):
    settlement = get_object_or_404(settlements_for_user(request.user), pk=pk)
    return render(
        request,
        "settlement/detail.html",
        {
            "settlement": settlement,
            "vouchers": settlement_vouchers(settlement),
            "audit_entries": audit_entries_for(settlement, user=request.user)[:20],
        },
    )


@require_POST
@role_required_for_writes("settlement.change_settlement")
def settlement_reverse_view(request, pk: int):
    settlement = get_object_or_404(settlements_for_user(request.user), pk=pk)
    try:
        settlement_reverse(settlement=settlement, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Settlement {settlement.pk} reversed.")
    return redirect("settlement-detail", pk=pk)


@saved_filters_apply("settlements")
def settlement_list(request):
    settlements = settlements_for_user(request.user).order_by("-created_at", "-id")[:100]
    return render(request, "settlement/list.html", {"settlements": settlements})


@role_required_for_writes("receivables.add_creditnote")
@role_required_for_writes("receivables.add_invoice")
@role_required_for_writes("settlement.add_settlement")
def invoice_correct_view(request, pk: int):
    """Correct a posted invoice: what will happen, the date, a confirmation; then the new
    draft's page, to change it and post it."""
    from receivables.models import Invoice

    invoice = document_for_user(request.user, Invoice, pk)
    if invoice is None:
        raise Http404("No such invoice.")
    if request.method == "POST":
        form = InvoiceCorrectForm(request.POST)
        if form.is_valid():
            try:
                done = invoice_correct(
                    invoice=invoice, on=form.cleaned_data["date"], actor=request.user
                )
            except ApplicationError as error:
                form.add_error("date" if error.field == "date" else None, error.message)
            else:
                messages.success(
                    request,
                    f"Invoice {invoice.number} corrected: credit note {done.credit_note.number} "
                    f"posted and settled against it (settlement {done.settlement.pk}). Change "
                    "the new draft below and post it.",
                )
                return redirect("invoices-detail", pk=done.correcting_invoice.pk)
    else:
        form = InvoiceCorrectForm(initial={"date": max(timezone.localdate(), invoice.date)})
    return render(request, "settlement/invoice_correct.html", {"invoice": invoice, "form": form})


__all__ = ["Settlement"]
