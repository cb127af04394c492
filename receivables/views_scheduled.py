"""Browser pages of the receivables room's scheduled work: recurring invoice templates (create,
assign to customers, see what was generated) and interest notes (review, post, waive,
reinstate, reverse). The jobs themselves are started and followed on the jobs page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.permissions import role_required_for_writes
from entities.selectors import audit_entries_for
from entities.views_saved_filters import saved_filters_apply

from .forms import DocumentLineFormSet, RecurringAssignmentForm, RecurringTemplateForm
from .models import InterestNote
from .selectors import (
    interest_notes_for_user,
    recurring_assignments_for_user,
    recurring_occurrences_for_user,
    recurring_templates_for_user,
)
from .services import (
    TemplateLineInput,
    interest_note_post,
    interest_note_reinstate,
    interest_note_reverse,
    interest_note_waive,
    recurring_assignment_save,
    recurring_template_save,
)
from .views import _attach_error, _entity, _filled_lines, one_more_form

# --- recurring invoices -----------------------------------------------------------------------


def recurring_list(request):
    """The current legal entity's templates, and the invoices generated (of one job with
    ``?job=``)."""
    entity = _entity(request)
    templates = recurring_templates_for_user(request.user).filter(legal_entity=entity)
    generated = recurring_occurrences_for_user(request.user).order_by("-period_date", "-id")
    job = request.GET.get("job", "")
    if job.isdigit():
        generated = generated.filter(job_id=int(job))
    else:
        generated = generated.filter(assignment__template__legal_entity=entity)
    page = Paginator(generated, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "receivables/recurring_list.html",
        {"entity": entity, "templates": templates, "page": page, "job": job},
    )


@role_required_for_writes("receivables.add_recurringinvoicetemplate")
def recurring_template_new(request, pk: int | None = None):
    """Create a template (or change one) with its lines."""
    entity = _entity(request)
    instance = None
    if pk is not None:
        instance = get_object_or_404(recurring_templates_for_user(request.user), pk=pk)
        entity = instance.legal_entity
    if request.method == "POST":
        data = request.POST
        if "add_line" in data:
            data = data.copy()
            data["lines-TOTAL_FORMS"] = one_more_form(data, "lines")
        form = RecurringTemplateForm(data)
        formset = DocumentLineFormSet(data, prefix="lines")
        if "add_line" not in data and form.is_valid() and formset.is_valid():
            filled = _filled_lines(formset)
            # The page has no account column: lines keep, by position, an account set through
            # the API.
            accounts = [x.account for x in instance.lines.all()] if instance else []
            try:
                template = recurring_template_save(
                    legal_entity=entity,
                    code=form.cleaned_data["code"],
                    description=form.cleaned_data["description"],
                    currency=form.cleaned_data["currency"],
                    payment_terms=form.cleaned_data["payment_terms"],
                    cash_discount=form.cleaned_data["cash_discount"],
                    lines=[
                        TemplateLineInput(
                            description=d["description"],
                            amount=d.get("amount"),
                            quantity=d.get("quantity") or 1,
                            unit_price=d.get("unit_price"),
                            sales_tax_code=d.get("sales_tax_code"),
                            account=accounts[n] if n < len(accounts) else None,
                        )
                        for n, (_, d) in enumerate(filled)
                    ],
                    actor=request.user,
                    instance=instance,
                )
            except ApplicationError as error:
                _attach_error(error, form, formset, [i for i, _ in filled])
            else:
                messages.success(request, _("Template %(code)s saved.") % {"code": template.code})
                return redirect("recurring-detail", pk=template.pk)
    elif instance is not None:
        form = RecurringTemplateForm(
            initial={
                "code": instance.code,
                "description": instance.description,
                "currency": instance.currency,
                "payment_terms": instance.payment_terms_id,
                "cash_discount": instance.cash_discount_id,
            }
        )
        formset = DocumentLineFormSet(
            prefix="lines",
            initial=[
                {
                    "description": x.description,
                    "quantity": x.quantity,
                    "unit_price": x.unit_price,
                    "amount": x.amount,
                    "sales_tax_code": x.sales_tax_code_id,
                }
                for x in instance.lines.all()
            ],
        )
    else:
        form = RecurringTemplateForm()
        formset = DocumentLineFormSet(prefix="lines")
    return render(
        request,
        "receivables/recurring_form.html",
        {"form": form, "formset": formset, "entity": entity, "instance": instance},
    )


@role_required_for_writes("receivables.add_recurringinvoiceassignment")
def recurring_detail(request, pk: int):
    """A template: its lines, its assignments (and the form to add one), what it generated."""
    template = get_object_or_404(recurring_templates_for_user(request.user), pk=pk)
    form = RecurringAssignmentForm(legal_entity=template.legal_entity)
    if request.method == "POST":
        form = RecurringAssignmentForm(request.POST, legal_entity=template.legal_entity)
        if form.is_valid():
            try:
                recurring_assignment_save(
                    template=template, actor=request.user, **form.cleaned_data
                )
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Template assigned."))
                return redirect("recurring-detail", pk=template.pk)
    assignments = recurring_assignments_for_user(request.user).filter(template=template)
    generated = (
        recurring_occurrences_for_user(request.user)
        .filter(assignment__template=template)
        .order_by("-period_date", "-id")[:100]
    )
    return render(
        request,
        "receivables/recurring_detail.html",
        {
            "template": template,
            "line_currency": template.currency or template.legal_entity.accounting_currency,
            "assignments": assignments,
            "generated": generated,
            "form": form,
            "audit_entries": audit_entries_for(template, user=request.user)[:20],
        },
        status=400 if form.errors else 200,
    )


@require_POST
@role_required_for_writes("receivables.change_recurringinvoiceassignment")
def recurring_assignment_toggle(request, pk: int):
    """End an assignment (no more invoices) or start it again."""
    assignment = get_object_or_404(recurring_assignments_for_user(request.user), pk=pk)
    try:
        recurring_assignment_save(
            template=assignment.template,
            customer=assignment.customer,
            start_date=assignment.start_date,
            end_date=assignment.end_date,
            occurrences=assignment.occurrences,
            frequency=assignment.frequency,
            interval=assignment.interval,
            post=assignment.post,
            active=not assignment.active,
            actor=request.user,
            instance=assignment,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("recurring-detail", pk=assignment.template_id)


# --- interest notes ---------------------------------------------------------------------------


@saved_filters_apply("interest_notes")
def interest_note_list(request):
    notes = interest_notes_for_user(request.user).order_by("-date", "-id")
    status = request.GET.get("status", "")
    if status in InterestNote.Status.values:
        notes = notes.filter(status=status)
    job = request.GET.get("job", "")
    if job.isdigit():
        notes = notes.filter(job_id=int(job))
    page = Paginator(notes, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "receivables/interest_note_list.html",
        {"page": page, "status": status, "job": job, "statuses": InterestNote.Status.choices},
    )


def interest_note_detail(request, pk: int):
    note = get_object_or_404(
        interest_notes_for_user(request.user).select_related("open_transaction"), pk=pk
    )
    return render(
        request,
        "receivables/interest_note_detail.html",
        {"note": note, "audit_entries": audit_entries_for(note, user=request.user)[:20]},
    )


_ACTIONS = {
    "post": (interest_note_post, gettext_lazy("Interest note %(note)s posted.")),
    "waive": (interest_note_waive, gettext_lazy("Interest note %(note)s waived.")),
    "reinstate": (interest_note_reinstate, gettext_lazy("Interest note %(note)s reinstated.")),
    "reverse": (interest_note_reverse, gettext_lazy("Interest note %(note)s reversed.")),
}


@require_POST
@role_required_for_writes("receivables.change_interestnote")
def interest_note_action(request, pk: int, verb: str):
    if verb not in _ACTIONS:
        raise Http404("No such action.")
    note = get_object_or_404(interest_notes_for_user(request.user), pk=pk)
    service, done = _ACTIONS[verb]
    extra = {"reason": request.POST.get("reason", "")[:200]} if verb == "waive" else {}
    try:
        note = service(note=note, actor=request.user, **extra)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"note": note.number or note.pk})
    return redirect("interest-note-detail", pk=pk)
