"""Browser pages of the receivables room: customers, invoice and credit note entry, the payment
journal. Views parse the forms, call one service and render; errors go beside their field."""

import re
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.permissions import role_required_for_writes
from entities.context_processors import current_legal_entity
from entities.models import Customer, LegalEntity
from entities.selectors import granted_entity_ids, user_can_act_in

from .discounts import open_transaction_discounts
from .forms import CreditNoteForm, DocumentForm, DocumentLineFormSet, PaymentLineFormSet
from .models import CreditNote, Invoice, OpenTransaction
from .selectors import aging_summary, customers_for_user, home_summaries, payments_for_user
from .services import (
    DocumentInput,
    DocumentLineInput,
    PaymentInput,
    credit_note_post,
    document_preview,
    document_save,
    invoice_post,
    payment_journal_post,
)

KINDS = {
    "invoice": {
        "model": Invoice,
        "form": DocumentForm,
        "post": invoice_post,
        "label": "Invoice",
        "plural": "Invoices",
        "url": "invoices",
    },
    "credit_note": {
        "model": CreditNote,
        "form": CreditNoteForm,
        "post": credit_note_post,
        "label": "Credit note",
        "plural": "Credit notes",
        "url": "credit-notes",
    },
}
LINE_ERROR = re.compile(r"^lines\[(\d+)\]: (.*)$")


def _entity(request) -> LegalEntity:
    entity = current_legal_entity(request)
    if entity is None:
        raise Http404("You are not granted any legal entity.")
    return entity


def one_more_form(data, prefix: str) -> str:
    """The formset's form count plus one ("Add a line"); a count that is not a number is
    left to the formset to refuse."""
    count = data.get(f"{prefix}-TOTAL_FORMS", "0")
    return str(int(count) + 1) if str(count).isdigit() and len(str(count)) < 5 else str(count)


def _today() -> date:
    return timezone.localdate()


def home(request):
    """Open invoices, what is overdue and unposted documents, per legal entity."""
    return render(
        request,
        "home.html",
        {"rows": home_summaries(request.user, as_of=_today()), "today": _today()},
    )


# --- customers --------------------------------------------------------------------------------


def customer_list(request):
    entity_code = request.GET.get("entity", "")
    query = request.GET.get("q", "").strip()
    customers = customers_for_user(request.user, entity_code=entity_code, query=query)
    page = Paginator(customers, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "receivables/customer_list.html",
        {"page": page, "q": query, "entity_code": entity_code},
    )


def customer_detail(request, pk: int):
    customer = get_object_or_404(Customer.objects.select_related("party", "legal_entity"), pk=pk)
    if not user_can_act_in(request.user, customer.legal_entity):
        raise Http404("No such customer.")
    ids = granted_entity_ids(request.user)
    accounts = Customer.objects.filter(party=customer.party).select_related("legal_entity")
    transactions = (
        OpenTransaction.objects.filter(party=customer.party)
        .select_related("legal_entity", "customer")
        .prefetch_related("cash_discounts")
    )
    if ids is not None:
        accounts = accounts.filter(legal_entity_id__in=ids)
        transactions = transactions.filter(legal_entity_id__in=ids)
    show_closed = request.GET.get("closed") == "1"
    open_items = [
        t
        for t in transactions.order_by("due_date", "date", "id")
        if show_closed or t.open_amount != 0
    ]
    open_only = [t for t in open_items if t.open_amount != 0]
    as_of = _parse_date(request.GET.get("as_of")) or _today()
    balances: dict[str, dict] = {}
    for t in open_only:
        row = balances.setdefault(
            t.legal_entity.code,
            {
                "entity": t.legal_entity,
                "currency": t.legal_entity.accounting_currency,
                "balance": Decimal(0),
            },
        )
        row["balance"] += t.open_accounting_amount
    totals: dict[str, Decimal] = {}
    for row in balances.values():
        totals[row["currency"]] = totals.get(row["currency"], Decimal(0)) + row["balance"]
    for t in open_items:
        t.days_overdue = max((as_of - t.due_date).days, 0) if t.open_amount > 0 else 0
        t.discounts_offered = open_transaction_discounts(t, on=as_of)
    return render(
        request,
        "receivables/customer_detail.html",
        {
            "customer": customer,
            "party": customer.party,
            "accounts": accounts,
            "open_items": open_items,
            "balances": list(balances.values()),
            "totals": totals,
            "aging": aging_summary(open_only, as_of=as_of),
            "as_of": as_of,
            "show_closed": show_closed,
        },
    )


def _parse_date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- invoices and credit notes ------------------------------------------------------------------


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


def _filled_lines(formset) -> list[tuple[int, dict]]:
    return [
        (i, f.cleaned_data)
        for i, f in enumerate(formset.forms)
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


def _attach_error(error: ApplicationError, form, formset, line_index: list[int]) -> None:
    """Put a service error beside the field it names (a line's, the form's, or on top)."""
    match = LINE_ERROR.match(error.message)
    if match and int(match.group(1)) < len(line_index):
        formset.forms[line_index[int(match.group(1))]].add_error(None, match.group(2))
        return
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


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
    lines = [
        {
            "description": x.description,
            "quantity": x.quantity,
            "unit_price": x.unit_price,
            "amount": None if x.unit_price is not None else x.amount,
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
            messages.error(
                request, f"{spec['label']} {draft.number} is posted: it cannot be changed."
            )
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
                verb = "posted" if document.status == "posted" else "saved as a draft"
                messages.success(request, f"{spec['label']} {document} {verb}.")
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
        problem = "Complete the customer, the date and at least one line to see the totals."
    return render(
        request, "receivables/_document_totals.html", {"preview": preview, "problem": problem}
    )


def _document_or_404(request, kind: str, pk: int):
    model = KINDS[kind]["model"]
    document = get_object_or_404(
        model.objects.select_related(
            "legal_entity", "customer__party", "payment_terms", "cash_discount", "voucher"
        ),
        pk=pk,
    )
    if not user_can_act_in(request.user, document.legal_entity):
        raise Http404("No such document.")
    return document


def document_detail(request, kind: str, pk: int):
    document = _document_or_404(request, kind, pk)
    open_transaction = (
        OpenTransaction.objects.filter(**{kind: document})
        .select_related("legal_entity")
        .prefetch_related("cash_discounts")
        .first()
    )
    if open_transaction is not None:
        open_transaction.discounts_offered = open_transaction_discounts(
            open_transaction, on=_today()
        )
    from entities.selectors import audit_entries_for

    return render(
        request,
        "receivables/document_detail.html",
        {
            "document": document,
            "spec": KINDS[kind],
            "kind": kind,
            "lines": document.lines.select_related("sales_tax_code", "account"),
            "open_transaction": open_transaction,
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
        messages.success(request, f"{KINDS[kind]['label']} posted.")
    return redirect(f"{KINDS[kind]['url'].replace('-', '_')}-detail", pk=pk)


def document_list(request, kind: str):
    entity = _entity(request)
    spec = KINDS[kind]
    documents = (
        spec["model"]
        .objects.filter(legal_entity=entity)
        .select_related("customer__party")
        .order_by("-date", "-id")
    )
    status = request.GET.get("status", "")
    if status:
        documents = documents.filter(status=status)
    page = Paginator(documents, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "receivables/document_list.html",
        {"page": page, "spec": spec, "kind": kind, "entity": entity, "status": status},
    )


# --- payments ---------------------------------------------------------------------------------


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
                inputs = [
                    PaymentInput(
                        legal_entity=entity,
                        customer=d["customer"],
                        date=d["date"],
                        amount=d["amount"],
                        currency=d.get("currency") or None,
                        method=d["method"],
                        reference=d.get("reference", ""),
                    )
                    for _, d in filled
                ]
                try:
                    _, payments = payment_journal_post(
                        legal_entity=entity,
                        inputs=inputs,
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


def payment_list(request):
    entity = _entity(request)
    payments = payments_for_user(request.user).filter(legal_entity=entity).order_by("-date", "-id")
    page = Paginator(payments, 50).get_page(request.GET.get("page"))
    return render(request, "receivables/payment_list.html", {"page": page, "entity": entity})
