"""Browser pages of SEPA direct debits: mandates (list, detail, form, cancel) and collection
runs (a form that previews what would be collected, then runs it as a job; the run's page
with its progress, its payments and the pain.008 download)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.permissions import role_required_for_writes
from entities.context_processors import current_legal_entity
from entities.selectors import audit_entries_for

from .api.direct_debits import pain008_response
from .forms_direct_debits import CollectionForm, MandateForm
from .models import DirectDebitCollection, DirectDebitMandate
from .selectors import direct_debit_collections_for_user, direct_debit_mandates_for_user
from .services.direct_debits import (
    collection_preview,
    collection_start,
    mandate_cancel,
    mandate_create,
    mandate_update,
    next_business_day,
)


def _entity(request):
    entity = current_legal_entity(request)
    if entity is None:
        raise Http404("You are not granted any legal entity.")
    return entity


def _error_to(form, error: ApplicationError) -> None:
    """A service error beside the field it names, else on top of the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


# --- mandates --------------------------------------------------------------------------------


def mandate_list(request):
    """The current entity's mandates, by status."""
    entity = _entity(request)
    mandates = direct_debit_mandates_for_user(request.user).filter(legal_entity=entity)
    status = request.GET.get("status", "")
    if status in DirectDebitMandate.Status.values:
        mandates = mandates.filter(status=status)
    page = Paginator(mandates.order_by("reference"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "banking/direct_debits/mandate_list.html",
        {
            "entity": entity,
            "page": page,
            "status": status,
            "statuses": DirectDebitMandate.Status.choices,
        },
    )


def _mandate_data(form: MandateForm) -> dict:
    data = dict(form.cleaned_data)
    data.pop("customer", None)
    return data


@role_required_for_writes("banking.add_directdebitmandate")
def mandate_form(request, pk: int | None = None):
    """A new mandate of the current entity, or a change of an active one."""
    instance = None
    entity = _entity(request)
    if pk is not None:
        instance = get_object_or_404(direct_debit_mandates_for_user(request.user), pk=pk)
        entity = instance.legal_entity
    if request.method == "POST":
        form = MandateForm(request.POST, legal_entity=entity, instance=instance)
        if form.is_valid():
            try:
                if instance is None:
                    mandate = mandate_create(
                        legal_entity=entity,
                        customer=form.cleaned_data["customer"],
                        actor=request.user,
                        **_mandate_data(form),
                    )
                else:
                    mandate = mandate_update(
                        mandate=instance, data=_mandate_data(form), actor=request.user
                    )
            except ApplicationError as error:
                _error_to(form, error)
            else:
                messages.success(
                    request, _("Mandate %(reference)s saved.") % {"reference": mandate.reference}
                )
                return redirect("dd-mandate-detail", pk=mandate.pk)
    elif instance is not None:
        form = MandateForm(
            legal_entity=entity,
            instance=instance,
            initial={
                "customer": instance.customer_id,
                "reference": instance.reference,
                "iban": instance.iban,
                "bic": instance.bic,
                "debtor_name": instance.debtor_name,
                "signature_date": instance.signature_date,
                "scheme": instance.scheme,
                "recurrent": "1" if instance.recurrent else "0",
            },
        )
    else:
        form = MandateForm(legal_entity=entity, initial={"scheme": "CORE", "recurrent": "1"})
    return render(
        request,
        "banking/direct_debits/mandate_form.html",
        {"form": form, "entity": entity, "instance": instance},
        status=400 if request.method == "POST" else 200,
    )


def mandate_detail(request, pk: int):
    """A mandate, what was collected under it and what came back."""
    mandate = get_object_or_404(direct_debit_mandates_for_user(request.user), pk=pk)
    collected = mandate.collected.select_related("collection", "payment").order_by("-pk")
    return render(
        request,
        "banking/direct_debits/mandate_detail.html",
        {
            "mandate": mandate,
            "collected": collected,
            "audit_entries": audit_entries_for(mandate, user=request.user)[:20],
        },
    )


@require_POST
@role_required_for_writes("banking.change_directdebitmandate")
def mandate_cancel_view(request, pk: int):
    mandate = get_object_or_404(direct_debit_mandates_for_user(request.user), pk=pk)
    try:
        mandate_cancel(mandate=mandate, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Mandate %(reference)s cancelled.") % {"reference": mandate.reference}
        )
    return redirect("dd-mandate-detail", pk=mandate.pk)


# --- collection runs -------------------------------------------------------------------------


def collection_list(request):
    entity = _entity(request)
    runs = direct_debit_collections_for_user(request.user).filter(legal_entity=entity)
    page = Paginator(runs.order_by("-collection_date", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request, "banking/direct_debits/collection_list.html", {"entity": entity, "page": page}
    )


@role_required_for_writes("banking.add_directdebitcollection")
def collection_new(request):
    """Choose the account and dates, preview what would be collected, then run it."""
    from django.utils import timezone

    entity = _entity(request)
    preview = None
    if request.method == "POST":
        form = CollectionForm(request.POST, legal_entity=entity)
        if form.is_valid():
            inputs = {"legal_entity": entity, **form.cleaned_data}
            try:
                if "run" in request.POST:
                    collection = collection_start(actor=request.user, **inputs)
                    messages.success(
                        request,
                        _("Collection run %(run)s started.") % {"run": collection.pk},
                    )
                    return redirect("dd-collection-detail", pk=collection.pk)
                preview = collection_preview(actor=request.user, **inputs)
            except ApplicationError as error:
                _error_to(form, error)
    else:
        first = next_business_day(timezone.localdate())
        form = CollectionForm(
            legal_entity=entity, initial={"collection_date": first, "due_until": first}
        )
    return render(
        request,
        "banking/direct_debits/collection_new.html",
        {"form": form, "entity": entity, "preview": preview},
        status=400 if form.errors else 200,
    )


def _collection_of(request, pk: int) -> DirectDebitCollection:
    return get_object_or_404(
        direct_debit_collections_for_user(request.user).select_related("job"), pk=pk
    )


def collection_detail(request, pk: int):
    """A run: its progress while queued, then its payments and its file."""
    collection = _collection_of(request, pk)
    payments = collection.payments.select_related("mandate__customer__party", "payment")
    live = request.htmx and request.GET.get("part") == "live"
    return render(
        request,
        "banking/direct_debits/_collection_live.html"
        if live
        else "banking/direct_debits/collection_detail.html",
        {
            "collection": collection,
            "job": collection.job,
            "payments": payments,
            "audit_entries": [] if live else audit_entries_for(collection, user=request.user)[:20],
        },
    )


def collection_file(request, pk: int):
    collection = _collection_of(request, pk)
    if collection.status != DirectDebitCollection.Status.COLLECTED:
        raise Http404("This run has no file yet.")
    return pain008_response(collection)
