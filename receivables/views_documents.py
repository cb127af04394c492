"""Browser pages of the receivables room's invoices and credit notes: the lists, entry of a new
document or change of a draft (with live totals), a document's page, and posting it."""

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.money import currency_is_known, format_amount
from core.permissions import role_required_for_writes
from entities.selectors import audit_entries_for
from entities.views_saved_filters import saved_filters_apply

from .forms import CreditNoteForm, DocumentForm, DocumentLineFormSet
from .models import CreditNote, Invoice
from .selectors import (
    document_for_user,
    document_lines,
    document_open_transaction,
    documents_for_entity,
)
from .services import (
    DocumentInput,
    DocumentLineInput,
    credit_note_post,
    document_preview,
    document_save,
    invoice_post,
)
from .views import _attach_error, _entity, _filled_lines, _today, one_more_form

# Per kind, the texts pages and messages show: whole sentences, since a language may write a
# sentence differently for an invoice and a credit note (French agrees the words with each).
KINDS = {
    "invoice": {
        "model": Invoice,
        "form": DocumentForm,
        "post": invoice_post,
        "label": gettext_lazy("Invoice"),
        "plural": gettext_lazy("Invoices"),
        "new": gettext_lazy("New invoice"),
        "draft": gettext_lazy("Draft invoice"),
        "post_button": gettext_lazy("Post invoice"),
        "is_posted": gettext_lazy("Invoice %(number)s is posted: it cannot be changed."),
        "saved": gettext_lazy("Invoice %(document)s saved as a draft."),
        "posted": gettext_lazy("Invoice %(document)s posted."),
        "posted_here": gettext_lazy("Invoice posted."),
        "emailed": gettext_lazy("Invoice emailed to %(email)s."),
        "url": "invoices",
    },
    "credit_note": {
        "model": CreditNote,
        "form": CreditNoteForm,
        "post": credit_note_post,
        "label": gettext_lazy("Credit note"),
        "plural": gettext_lazy("Credit notes"),
        "new": gettext_lazy("New credit note"),
        "draft": gettext_lazy("Draft credit note"),
        "post_button": gettext_lazy("Post credit note"),
        "is_posted": gettext_lazy("Credit note %(number)s is posted: it cannot be changed."),
        "saved": gettext_lazy("Credit note %(document)s saved as a draft."),
        "posted": gettext_lazy("Credit note %(document)s posted."),
        "posted_here": gettext_lazy("Credit note posted."),
        "emailed": gettext_lazy("Credit note emailed to %(email)s."),
        "url": "credit-notes",
    },
}


def _document_input(form, lines, entity, *, credit_note: bool) -> DocumentInput:
    data = form.cleaned_data
    return DocumentInput(
        legal_entity=entity,
        customer=data["customer"],
        date=data["date"],
        due_date=data.get("due_date"),
        currency=data.get("currency") or None,
        payment_terms=data.get("payment_terms"),
        cash_discount=data.get("cash_discount"),
        description=data.get("description", ""),
        invoice=data.get("invoice") if credit_note else None,
        lines=[
            DocumentLineInput(
                description=line["description"],
                quantity=line.get("quantity") or Decimal(1),
                unit_price=line.get("unit_price"),
                amount=line.get("amount"),
                sales_tax_code=line.get("sales_tax_code"),
            )
            for line in lines
        ],
    )


def _initial(document) -> tuple[dict, list[dict]]:
    header = {
        "customer": document.customer_id,
        "date": document.date,
        "due_date": document.due_date,
        "currency": document.currency,
        "payment_terms": document.payment_terms_id,
        "cash_discount": document.cash_discount_id,
        "description": document.description,
    }
    if isinstance(document, CreditNote):
        header["invoice"] = document.invoice_id

    def money(amount):
        # As the form shows it: the document currency's decimals, not the stored four.
        if amount is None or not currency_is_known(document.currency):
            return amount
        return format_amount(amount, document.currency)

    lines = [
        {
            "description": x.description,
            "quantity": x.quantity,
            "unit_price": money(x.unit_price),
            "amount": None if x.unit_price is not None else money(x.amount),
            "sales_tax_code": x.sales_tax_code_id,
        }
        for x in document.lines.all()
    ]
    return header, lines


@role_required_for_writes(lambda kw: f"receivables.add_{kw['kind'].replace('_', '')}")
def document_new(request, kind: str, pk: int | None = None):
    """Enter a new document, or change a draft (``pk``); save as a draft or post."""
    spec = KINDS[kind]
    entity = _entity(request)
    credit_note = kind == "credit_note"
    draft = None
    if pk is not None:
        draft = _document_or_404(request, kind, pk)
        if draft.status != "draft":
            messages.error(request, spec["is_posted"] % {"number": draft.number})
            return redirect(f"{spec['url'].replace('-', '_')}-detail", pk=pk)
        entity = draft.legal_entity
    if request.method == "POST":
        data = request.POST
        if "add_line" in data:
            data = data.copy()
            data["lines-TOTAL_FORMS"] = one_more_form(data, "lines")
        form = spec["form"](data, legal_entity=entity)
        formset = DocumentLineFormSet(data, prefix="lines")
        if "add_line" not in data and form.is_valid() and formset.is_valid():
            filled = _filled_lines(formset)
            document_input = _document_input(
                form, [d for _, d in filled], entity, credit_note=credit_note
            )
            try:
                document = document_save(
                    data=document_input,
                    actor=request.user,
                    document=draft,
                    credit_note=credit_note,
                    post="post" in request.POST,
                )
            except ApplicationError as error:
                _attach_error(error, form, formset, [i for i, _ in filled])
            else:
                done = spec["posted"] if document.status == "posted" else spec["saved"]
                messages.success(request, done % {"document": document})
                return redirect(f"{spec['url'].replace('-', '_')}-detail", pk=document.pk)
    elif draft is not None:
        header, lines = _initial(draft)
        form = spec["form"](initial=header, legal_entity=entity)
        formset = DocumentLineFormSet(prefix="lines", initial=lines)
    else:
        form = spec["form"](legal_entity=entity, initial={"date": _today()})
        formset = DocumentLineFormSet(prefix="lines")
    return render(
        request,
        "receivables/document_form.html",
        {
            "form": form,
            "formset": formset,
            "entity": entity,
            "spec": spec,
            "kind": kind,
            "draft": draft,
        },
    )


@require_POST
def document_totals(request, kind: str):
    """The live totals of the entry form (htmx): the same computation as posting."""
    entity = _entity(request)
    form = KINDS[kind]["form"](request.POST, legal_entity=entity)
    formset = DocumentLineFormSet(request.POST, prefix="lines")
    preview, problem = None, ""
    if form.is_valid() and formset.is_valid():
        lines = [d for _, d in _filled_lines(formset)]
        try:
            preview = document_preview(
                data=_document_input(form, lines, entity, credit_note=kind == "credit_note"),
                credit_note=kind == "credit_note",
            )
        except ApplicationError as error:
            problem = error.message
    else:
        problem = _("Complete the customer, the date and at least one line to see the totals.")
    return render(
        request, "receivables/_document_totals.html", {"preview": preview, "problem": problem}
    )


def _document_or_404(request, kind: str, pk: int):
    document = document_for_user(request.user, KINDS[kind]["model"], pk)
    if document is None:
        raise Http404("No such document.")
    return document


def document_detail(request, kind: str, pk: int):
    document = _document_or_404(request, kind, pk)
    return render(
        request,
        "receivables/document_detail.html",
        {
            "document": document,
            "spec": KINDS[kind],
            "kind": kind,
            "lines": document_lines(document),
            "open_transaction": document_open_transaction(document, on=_today()),
            "audit_entries": audit_entries_for(document, user=request.user)[:50],
        },
    )


@require_POST
@role_required_for_writes(lambda kw: f"receivables.add_{kw['kind'].replace('_', '')}")
def document_post(request, kind: str, pk: int):
    document = _document_or_404(request, kind, pk)
    post = KINDS[kind]["post"]
    try:
        if kind == "invoice":
            post(invoice=document, actor=request.user)
        else:
            post(credit_note=document, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, KINDS[kind]["posted_here"])
    return redirect(f"{KINDS[kind]['url'].replace('-', '_')}-detail", pk=pk)


@saved_filters_apply(lambda kwargs: f"{kwargs['kind']}s")
def document_list(request, kind: str):
    entity = _entity(request)
    spec = KINDS[kind]
    status = request.GET.get("status", "")
    documents = documents_for_entity(spec["model"], entity, status=status)
    page = Paginator(documents, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "receivables/document_list.html",
        {"page": page, "spec": spec, "kind": kind, "entity": entity, "status": status},
    )
