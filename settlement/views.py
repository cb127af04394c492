"""Browser pages of the settlement room: Settle transactions (mark, amounts filled as marked,
live totals, post), a settlement's page (its documents, vouchers and reversal vouchers) and its
reversal (what it undoes, the date, a confirmation)."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.money import format_amount_input
from core.permissions import role_required_for_writes
from entities.models import Party
from entities.selectors import audit_entries_for, user_can_act_in
from entities.views_saved_filters import saved_filters_apply
from receivables.discounts import open_transaction_discount_amount
from receivables.models import OpenTransaction
from receivables.selectors import document_for_user

from .forms import InvoiceCorrectForm, SettleForm, SettlementReverseForm
from .models import Settlement
from .selectors import settlement_open_items, settlement_vouchers, settlements_for_user
from .services import (
    SettlementLineInput,
    invoice_correct,
    settlement_create,
    settlement_reverse,
)
from .services.marking import MarkedLine, settlement_lines_fill
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
                messages.success(
                    request, _("Settlement %(settlement)s posted.") % {"settlement": settlement.pk}
                )
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
        filled = _fill_initial(initial, items)
        form = SettleForm(initial=initial, transactions=items)
        for name in filled:
            # The page's script fills these again when the date changes, as it does its own.
            form.fields[name].widget.attrs["data-filled"] = initial[name]
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


def _marked_lines(values: dict, items) -> list[MarkedLine]:
    return [
        MarkedLine(
            ot,
            values.get(f"amount_{ot.pk}") or None,
            values.get(f"discount_{ot.pk}"),
        )
        for ot in items
        if values.get(f"mark_{ot.pk}")
    ]


def _fill_initial(initial: dict, items) -> list[str]:
    """The marked rows of a page just opened get their amounts filled, as marking them does;
    returns the names of the fields filled."""
    marked = _marked_lines(initial, items)
    empty = [line.transaction for line in marked if line.amount is None]
    filled = []
    for fill in settlement_lines_fill(transactions=empty, on=initial["date"], marked=marked):
        pk = fill.transaction.pk
        initial[f"amount_{pk}"] = _field_amount(fill.amount, fill.transaction)
        filled.append(f"amount_{pk}")
        if fill.cash_discount is not None and f"discount_{pk}" not in initial:
            initial[f"discount_{pk}"] = _field_amount(fill.cash_discount, fill.transaction)
            filled.append(f"discount_{pk}")
    return filled


def _field_amount(value, ot) -> str:
    """An amount as a field holds it: the currency's minor units, no grouping, the page's
    decimal separator (the script compares it with what the field shows)."""
    return format_amount_input(value, ot.currency)


@require_POST
def settle_fill(request):
    """What marking fills in (htmx-free JSON for the page's script): for each transaction
    ``fill``, its amount to settle and the cash discount to take on the settlement date, given
    the other marked rows. 400 naming the field when the date is not a date."""
    party, _start = _party_and_start(request)
    items = list(settlement_open_items(request.user, party))
    form = SettleForm(request.POST, transactions=items)
    form.is_valid()
    values = form.cleaned_data
    on = values.get("date")
    if on is None:
        return JsonResponse(
            {"fields": {"date": _("Enter the settlement date to fill the amounts.")}}, status=400
        )
    by_pk = {str(ot.pk): ot for ot in items}
    wanted = [by_pk[pk] for pk in dict.fromkeys(request.POST.getlist("fill")) if pk in by_pk]
    fills = settlement_lines_fill(transactions=wanted, on=on, marked=_marked_lines(values, items))
    return JsonResponse(
        {
            "lines": {
                str(fill.transaction.pk): {
                    "amount": _field_amount(fill.amount, fill.transaction),
                    "cash_discount": None
                    if fill.cash_discount is None
                    else _field_amount(fill.cash_discount, fill.transaction),
                }
                for fill in fills
            }
        }
    )


@require_POST
def settle_preview(request):
    """Live totals of the Settle transactions page (htmx): the same computation as posting."""
    party, _start = _party_and_start(request)
    items = list(settlement_open_items(request.user, party))
    form = SettleForm(request.POST, transactions=items)
    context = {"preview": None, "problem": "", "items": []}
    if form.is_valid():
        # The discounts each item offers on the chosen date, swapped into the table.
        for ot in items:
            ot.discount_today = open_transaction_discount_amount(ot, on=form.cleaned_data["date"])
        context["items"] = items
    if not form.is_valid():
        context["problem"] = _("Check the highlighted amounts and the date.")
    elif not form.marked():
        context["problem"] = _("Mark the transactions to settle.")
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
    vouchers = settlement_vouchers(settlement)
    reversals = settlement_vouchers(settlement, reversals=True)
    reversal_of = {r["voucher"].reverses_id: r["voucher"] for r in reversals}
    for v in vouchers:
        v["reversal"] = reversal_of.get(v["voucher"].pk)
    return render(
        request,
        "settlement/detail.html",
        {
            "settlement": settlement,
            "vouchers": vouchers,
            "reversals": reversals,
            "audit_entries": audit_entries_for(settlement, user=request.user)[:20],
        },
    )


@role_required_for_writes("settlement.change_settlement")
def settlement_reverse_view(request, pk: int):
    """Reverse a settlement: what it undoes (each transaction's open amount now and after, the
    vouchers to mirror), the reversal date (today by default), then a confirmation."""
    settlement = get_object_or_404(settlements_for_user(request.user), pk=pk)
    if settlement.status != Settlement.Status.POSTED:
        messages.error(
            request,
            _("Settlement %(settlement)s is already reversed.") % {"settlement": settlement.pk},
        )
        return redirect("settlement-detail", pk=pk)
    if request.method == "POST":
        form = SettlementReverseForm(request.POST)
        if form.is_valid():
            try:
                settlement_reverse(
                    settlement=settlement, actor=request.user, on=form.cleaned_data["date"]
                )
            except ApplicationError as error:
                form.add_error("date" if error.field == "date" else None, error.message)
            else:
                messages.success(
                    request,
                    _("Settlement %(settlement)s reversed on %(date)s.")
                    % {
                        "settlement": settlement.pk,
                        "date": date_format(form.cleaned_data["date"], "SHORT_DATE_FORMAT"),
                    },
                )
                return redirect("settlement-detail", pk=pk)
    else:
        form = SettlementReverseForm(initial={"date": timezone.localdate()})
    lines = [
        {"line": line, "open_after": line.open_transaction.open_amount + line.amount}
        for line in settlement.lines.all()
    ]
    return render(
        request,
        "settlement/reverse.html",
        {
            "settlement": settlement,
            "form": form,
            "lines": lines,
            "vouchers": settlement_vouchers(settlement),
        },
    )


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
                    _(
                        "Invoice %(invoice)s corrected: credit note %(credit_note)s posted and "
                        "settled against it (settlement %(settlement)s). Change the new draft "
                        "below and post it."
                    )
                    % {
                        "invoice": invoice.number,
                        "credit_note": done.credit_note.number,
                        "settlement": done.settlement.pk,
                    },
                )
                return redirect("invoices-detail", pk=done.correcting_invoice.pk)
    else:
        form = InvoiceCorrectForm(initial={"date": max(timezone.localdate(), invoice.date)})
    return render(request, "settlement/invoice_correct.html", {"invoice": invoice, "form": form})


__all__ = ["Settlement"]
