"""Browser pages of the collections room: the aging of the current legal entity's customers."""

from datetime import date

from django.core.paginator import Paginator
from django.shortcuts import render

from entities.context_processors import current_legal_entity
from entities.exceptions import ApplicationError

from .selectors import (
    aging_period_set_get,
    aging_period_sets,
    aging_snapshot_for_entity,
    aging_snapshot_lines,
    aging_snapshot_totals,
)

SORTS = {
    "customer": "Account",
    "party": "Party",
    "-balance": "Largest balance",
    "-overdue": "Most overdue",
}


def aging(request):
    """The latest aging snapshot (or the one of ``as_of``) of the current legal entity, a line
    per customer with the buckets as columns, the totals as bars."""
    entity = current_legal_entity(request)
    errors: dict[str, str] = {}
    as_of = None
    as_of_text = request.GET.get("as_of", "").strip()
    if as_of_text:
        try:
            as_of = date.fromisoformat(as_of_text)
        except ValueError:
            errors["as_of"] = "Enter a date as YYYY-MM-DD, or leave it empty for the latest."
    ordering = request.GET.get("ordering", "customer")
    if ordering not in SORTS:
        ordering = "customer"
    period_set = None
    try:
        period_set = aging_period_set_get(code=request.GET.get("period_set") or None)
    except ApplicationError as exc:
        errors["period_set"] = exc.message
    snapshot = page = totals = None
    if entity is not None and period_set is not None and "as_of" not in errors:
        snapshot = aging_snapshot_for_entity(
            request.user, legal_entity=entity, period_set=period_set, as_of=as_of
        )
    if snapshot is not None:
        lines = aging_snapshot_lines(snapshot, ordering=ordering)
        page = Paginator(lines, 50).get_page(request.GET.get("page"))
        totals = aging_snapshot_totals(snapshot)
        largest = max([abs(a) for a in totals["buckets"]] or [0]) or 1
        totals["bars"] = [
            {
                "label": label,
                "amount": amount,
                "percent": int(abs(amount) * 100 / largest),
                "negative": amount < 0,
            }
            for label, amount in zip(snapshot.bucket_labels, totals["buckets"], strict=True)
        ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "collections_app/aging.html",
        {
            "entity": entity,
            "snapshot": snapshot,
            "page": page,
            "totals": totals,
            "errors": errors,
            "as_of_text": as_of_text,
            "ordering": ordering,
            "sorts": SORTS,
            "period_set": period_set,
            "period_sets": aging_period_sets(),
            "query": query.urlencode(),
        },
    )
