"""Browser pages of the receivables room's payments: the list, and the payment journal (several
payment lines entered on one page, validated together, posted together)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from core.errors import ApplicationError
from core.permissions import role_required_for_writes
from entities.views_saved_filters import saved_filters_apply

from .forms import PaymentLineFormSet
from .selectors import payments_for_entity
from .services import PaymentInput, payment_journal_post
from .views import _entity, _filled_lines, _today, one_more_form


@role_required_for_writes("receivables.add_payment")
def payment_journal(request):
    """Several payment lines entered on one page, validated together, posted together."""
    entity = _entity(request)
    kwargs = {"prefix": "payments", "form_kwargs": {"legal_entity": entity}}
    if request.method == "POST":
        data = request.POST
        if "add_line" in data:
            data = data.copy()
            data["payments-TOTAL_FORMS"] = one_more_form(data, "payments")
            formset = PaymentLineFormSet(data, **kwargs)
        else:
            formset = PaymentLineFormSet(data, **kwargs)
            if formset.is_valid():
                filled = _filled_lines(formset)
                try:
                    _, payments = payment_journal_post(
                        legal_entity=entity,
                        inputs=[_payment_input(entity, d) for _, d in filled],
                        actor=request.user,
                        description=request.POST.get("description", ""),
                    )
                except ApplicationError as error:
                    _attach_payment_errors(error, formset, [i for i, _ in filled])
                else:
                    messages.success(
                        request,
                        f"Journal posted: {len(payments)} payments, "
                        f"{', '.join(p.number for p in payments)}.",
                    )
                    return redirect("payment-list")
    else:
        formset = PaymentLineFormSet(initial=[{"date": _today()}] * 3, **kwargs)
    return render(
        request, "receivables/payment_journal.html", {"formset": formset, "entity": entity}
    )


def _payment_input(entity, line: dict) -> PaymentInput:
    return PaymentInput(
        legal_entity=entity,
        customer=line["customer"],
        date=line["date"],
        amount=line["amount"],
        currency=line.get("currency") or None,
        method=line["method"],
        reference=line.get("reference", ""),
    )


def _attach_payment_errors(error: ApplicationError, formset, line_index: list[int]) -> None:
    by_line = error.fields.get("payments") if isinstance(error.fields, dict) else None
    if not by_line:
        formset._non_form_errors = formset.error_class([error.message])
        return
    for index, fields in by_line.items():
        form = formset.forms[line_index[int(index)]]
        for field, problems in fields.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)


@saved_filters_apply("payments")
def payment_list(request):
    entity = _entity(request)
    page = Paginator(payments_for_entity(request.user, entity), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "receivables/payment_list.html", {"page": page, "entity": entity})
