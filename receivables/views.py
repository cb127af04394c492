"""Browser pages of the receivables room: the home page, and what the entry pages share (the
current legal entity, "Add a line", the filled lines of a formset, a service error put beside its
field). The pages are by concern: customers (``views_customers``), invoices and credit notes
(``views_documents``), payments (``views_payments``), scheduled work (``views_scheduled``)."""

import re
from datetime import date

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from core.errors import ApplicationError
from entities.context_processors import current_legal_entity
from entities.models import LegalEntity

from .journal_selectors import unposted_journals_for_user
from .selectors import home_summaries

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
    """Open invoices, what is overdue and unposted documents, per legal entity, and the
    payment journals not posted yet."""
    return render(
        request,
        "home.html",
        {
            "rows": home_summaries(request.user, as_of=_today()),
            "today": _today(),
            "unposted_journals": unposted_journals_for_user(request.user),
        },
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
