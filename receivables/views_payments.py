"""Browser pages of the receivables room's payments: the list, and payment journals (the list of
drafts and posted journals; a journal's page, where lines are typed, saved as a draft,
validated and posted together)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.money import (
    currency_is_known,
    format_amount,
    format_amount_input,
    has_valid_precision,
    minor_units,
)
from core.permissions import role_required_for_writes
from entities.views_saved_filters import saved_filters_apply

from .forms import JournalLineFormSet
from .journal_selectors import (
    journal_lines_read,
    journal_totals,
    open_debits_named,
    payment_journals_for_entity,
    payment_journals_for_user,
)
from .models import DocumentStatus, Payment
from .selectors import payments_for_entity
from .services import (
    JournalLineInput,
    JournalMarkInput,
    journal_create,
    journal_delete,
    journal_post,
    journal_update,
    journal_validate,
)
from .views import _entity, _today, one_more_form

JOURNAL_PREFIX = "lines"
ACTIONS = ("save", "validate", "post", "add_line")
MAX_FORMS = 1000


def payment_journal_list(request):
    """The current entity's payment journals, drafts first, with their totals and lines."""
    entity = _entity(request)
    page = Paginator(payment_journals_for_entity(request.user, entity), 50).get_page(
        request.GET.get("page")
    )
    totals = journal_totals([j.pk for j in page])
    for journal in page:
        journal.totals = totals.get(journal.pk, [])
    return render(
        request, "receivables/payment_journal_list.html", {"page": page, "entity": entity}
    )


@role_required_for_writes("receivables.add_paymentjournal")
def payment_journal(request, pk: int | None = None):
    """A payment journal: a new one (no ``pk``) or a saved one. Save keeps it as a draft,
    Validate says every problem at once, Post posts it whole."""
    if pk is None:
        journal, entity = None, _entity(request)
    else:
        journal = get_object_or_404(payment_journals_for_user(request.user), pk=pk)
        entity = journal.legal_entity
    if journal is not None and journal.status == DocumentStatus.POSTED:
        return _posted(request, journal)
    kwargs = {"prefix": JOURNAL_PREFIX, "form_kwargs": {"legal_entity": entity}}
    if request.method != "POST":
        formset = JournalLineFormSet(initial=_initial_lines(journal), **kwargs)
        return _render(request, entity, journal, formset, focus=request.GET.get("focus", ""))
    data = request.POST.copy()
    action = next((a for a in ACTIONS if a in data), "save")
    focus = data.get("focus", "")
    if action == "add_line":
        data[f"{JOURNAL_PREFIX}-TOTAL_FORMS"] = one_more_form(data, JOURNAL_PREFIX)
        _new_line_defaults(data)
        formset = JournalLineFormSet(data, **kwargs)
        formset.is_valid()
        count = formset.total_form_count()
        return _render(
            request, entity, journal, formset, focus=f"{JOURNAL_PREFIX}-{count - 1}-customer"
        )
    formset = JournalLineFormSet(data, **kwargs)
    inputs = _line_inputs(request.user, formset) if formset.is_valid() else None
    if inputs is None:
        return _render(request, entity, journal, formset, focus=focus, status=400)
    filled = [i for i, line in enumerate(inputs) if not line.is_blank]
    try:
        if journal is None:
            journal = journal_create(
                legal_entity=entity,
                actor=request.user,
                description=data.get("description", ""),
                lines=inputs,
            )
        else:
            journal = journal_update(
                journal=journal,
                actor=request.user,
                description=data.get("description", ""),
                lines=inputs,
            )
    except ApplicationError as error:
        formset._non_form_errors = formset.error_class([error.message])
        return _render(request, entity, journal, formset, focus=focus, status=400)
    saved_focus = _focus_after_save(focus, filled)
    if action == "save":
        messages.success(
            request,
            _("Journal %(journal)s saved: %(count)s lines.")
            % {"journal": journal.pk, "count": len(filled)},
        )
        return _back(journal, saved_focus)
    shown = (request, entity, journal, formset, filled, focus)
    if action == "validate":
        check = journal_validate(journal=journal, actor=request.user)
        if check.ok:
            messages.success(request, _("No problems found: the journal can be posted."))
            return _back(journal, saved_focus)
        return _with_problems(*shown, check.lines, check.journal)
    try:
        journal = journal_post(journal=journal, actor=request.user)
    except ApplicationError as error:
        lines = error.fields.get("lines") if isinstance(error.fields, dict) else None
        if not lines:
            return _with_problems(*shown, {}, [error.message])
        problems = {int(p): f for p, f in lines.items()}
        return _with_problems(*shown, problems, error.fields.get("journal", []))
    payments = [line.payment for line in journal_lines_read(journal)]
    messages.success(
        request,
        _("Journal %(journal)s posted: %(count)s payments, %(numbers)s.")
        % {
            "journal": journal.pk,
            "count": len(payments),
            "numbers": ", ".join(p.number for p in payments),
        },
    )
    return redirect("payment-journal-detail", journal.pk)


def _new_line_defaults(data) -> None:
    """The line "Add a line" made takes the previous line's date and method (today's date and
    an electronic payment for the first)."""
    count = data.get(f"{JOURNAL_PREFIX}-TOTAL_FORMS", "")
    if not count.isdigit() or int(count) > MAX_FORMS:
        return
    new = int(count) - 1
    for name, default in (("date", _today().isoformat()), ("method", Payment.Method.ELECTRONIC)):
        previous = data.get(f"{JOURNAL_PREFIX}-{new - 1}-{name}", "") if new else ""
        data[f"{JOURNAL_PREFIX}-{new}-{name}"] = previous or default


def _initial_lines(journal) -> list[dict]:
    """A saved journal's lines, then one blank line dated as the last (today for the first)
    with its method."""
    rows = []
    for line in journal_lines_read(journal) if journal is not None else []:
        rows.append(
            {
                "customer": line.customer_id,
                "date": line.date,
                "amount": _amount_text(line),
                "currency": line.currency,
                "method": line.method,
                "reference": line.reference,
                "settle": " ".join(_mark_text(m) for m in line.marks.all()),
            }
        )
    last = rows[-1] if rows else {}
    rows.append(
        {
            "date": last.get("date") or _today(),
            "method": last.get("method") or Payment.Method.ELECTRONIC,
        }
    )
    return rows


def _amount_text(line) -> str | None:
    """A saved amount as typed: in its currency's minor units (100.00, not 100.0000)."""
    if line.amount is None:
        return None
    currency = line.currency or (line.customer.currency if line.customer else "")
    if currency_is_known(currency) and has_valid_precision(line.amount, currency):
        return format_amount(line.amount, currency)
    return format(line.amount.normalize(), "f")


def _mark_text(mark) -> str:
    number = mark.open_transaction.document_number
    if mark.amount is None:
        return number
    return f"{number}:{format_amount_input(mark.amount, mark.open_transaction.currency)}"


def _line_inputs(user, formset) -> list[JournalLineInput] | None:
    """The typed lines as service inputs; None when a line's invoices cannot be found (the
    error is put beside its Settle field)."""
    inputs, ok = [], True
    for form in formset.forms:
        data = form.cleaned_data
        if not data or form.is_blank():
            inputs.append(JournalLineInput())
            continue
        marks = []
        if data["settle"]:
            customer = data.get("customer")
            if customer is None:
                form.add_error("settle", _("Choose the customer first: the invoices are theirs."))
                ok = False
                continue
            found = open_debits_named(user, customer, [n for n, _value in data["settle"]])
            missing = [n for n, _value in data["settle"] if n.upper() not in found]
            if missing:
                form.add_error(
                    "settle",
                    _("No open invoice %(numbers)s of %(customer)s.")
                    % {"numbers": ", ".join(missing), "customer": customer.display_name},
                )
                ok = False
                continue
            marks = [
                JournalMarkInput(transaction=found[n.upper()].pk, amount=a)
                for n, a in data["settle"]
            ]
        inputs.append(
            JournalLineInput(
                customer=data.get("customer"),
                date=data.get("date"),
                amount=data.get("amount"),
                currency=data.get("currency", ""),
                method=data.get("method") or Payment.Method.ELECTRONIC,
                reference=data.get("reference", ""),
                marks=marks,
            )
        )
    return inputs if ok else None


def _focus_after_save(focus: str, filled: list[int]) -> str:
    """The field that had the focus, renamed as its line is numbered once blank lines are
    dropped (a blank line's focus goes to the new blank line at the end)."""
    parts = focus.split("-")
    if len(parts) != 3 or parts[0] != JOURNAL_PREFIX or not parts[1].isdigit():
        return ""
    index = int(parts[1])
    new = filled.index(index) if index in filled else len(filled)
    return f"{JOURNAL_PREFIX}-{new}-{parts[2]}"


def _back(journal, focus: str):
    url = reverse("payment-journal-detail", args=[journal.pk])
    return redirect(f"{url}?{urlencode({'focus': focus})}" if focus else url)


def _with_problems(
    request, entity, journal, formset, filled, focus, lines: dict, general: list[str]
):
    """What was typed shown again (the journal is saved) with each problem beside its field:
    line ``n`` of the journal is the ``n``-th line of the form that was not blank."""
    for position, fields in lines.items():
        form = formset.forms[filled[position - 1]]
        for name, problems in fields.items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
    if general:
        formset._non_form_errors = formset.error_class(general)
    count = sum(len(p) for f in lines.values() for p in f.values()) + len(general)
    messages.error(
        request,
        ngettext(
            "Journal %(journal)s is saved but not posted: %(count)s problem to fix.",
            "Journal %(journal)s is saved but not posted: %(count)s problems to fix.",
            count,
        )
        % {"journal": journal.pk, "count": count},
    )
    return _render(request, entity, journal, formset, focus=focus, status=400)


def _render(request, entity, journal, formset, *, focus: str = "", status: int = 200):
    for form in formset.forms:
        for name, field in form.fields.items():
            if form.errors.get(name):
                field.widget.attrs["aria-invalid"] = "true"
            if f"{form.prefix}-{name}" == focus:
                field.widget.attrs["autofocus"] = True
    currencies = (
        {c.currency for c in formset.forms[0].fields["customer"].queryset}
        if formset.forms
        else set()
    )
    currencies |= {entity.accounting_currency, "EUR", "USD", "GBP", "JPY"}
    return render(
        request,
        "receivables/payment_journal.html",
        {
            "formset": formset,
            "entity": entity,
            "journal": journal,
            "description": request.POST.get("description", journal.description if journal else ""),
            "minor_units": {c: minor_units(c) for c in sorted(currencies) if currency_is_known(c)},
            "totals": journal_totals([journal.pk]).get(journal.pk, []) if journal else [],
            "line_count": journal.lines.count() if journal else 0,
        },
        status=status,
    )


def _posted(request, journal):
    if request.method == "POST":
        # Posting again (a second click, a back button): the journal is posted once.
        messages.info(
            request, _("Journal %(journal)s is already posted.") % {"journal": journal.pk}
        )
        return redirect("payment-journal-detail", journal.pk)
    return render(
        request,
        "receivables/payment_journal_posted.html",
        {
            "journal": journal,
            "entity": journal.legal_entity,
            "lines": journal_lines_read(journal),
            "totals": journal_totals([journal.pk]).get(journal.pk, []),
        },
    )


@saved_filters_apply("payments")
def payment_list(request):
    entity = _entity(request)
    page = Paginator(payments_for_entity(request.user, entity), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "receivables/payment_list.html", {"page": page, "entity": entity})


@require_http_methods(["GET", "POST"])
@role_required_for_writes("receivables.change_paymentjournal")
def payment_journal_delete(request, pk: int):
    """Delete a draft journal, after a confirmation that says what goes with it."""
    journal = get_object_or_404(payment_journals_for_user(request.user), pk=pk)
    if journal.status == DocumentStatus.POSTED:
        messages.error(
            request, _("Journal %(journal)s is posted: it cannot be deleted.") % {"journal": pk}
        )
        return redirect("payment-journal-detail", pk=journal.pk)
    if request.method == "POST":
        try:
            journal_delete(journal=journal, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("payment-journal-detail", pk=journal.pk)
        messages.success(request, _("Journal %(journal)s deleted.") % {"journal": pk})
        return redirect("payment-journal-list")
    return render(
        request,
        "receivables/payment_journal_delete.html",
        {"journal": journal, "line_count": journal.lines.count()},
    )
