"""Browser pages of the collections room: the aging of the current legal entity's customers, the
collections page, a customer's collections view and its letters. The view's actions (activity,
dispute, write-off, letter, credit hold, agent) are in ``views_actions``.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.money import ZERO
from entities.context_processors import current_legal_entity
from entities.selectors import legal_entities_for_user, user_can_act_in
from entities.views_saved_filters import saved_filters_apply

from .selectors import (
    aging_period_set_get,
    aging_period_sets,
    aging_snapshot_for_entity,
    aging_snapshot_lines,
    aging_snapshot_totals,
)
from .services.activities import MANUAL_KINDS
from .services.exports import CollectionsExportQuery

SORTS = {
    "customer": gettext_lazy("Account"),
    "party": gettext_lazy("Party"),
    "-balance": gettext_lazy("Largest balance"),
    "-overdue": gettext_lazy("Most overdue"),
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
            errors["as_of"] = _("Enter a date as YYYY-MM-DD, or leave it empty for the latest.")
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


# --- the collections page ---------------------------------------------------------------------

COLLECTIONS_SORTS = {
    "-overdue": gettext_lazy("Most overdue"),
    "-balance": gettext_lazy("Largest balance"),
    "promised_on": gettext_lazy("Next promise"),
    "last_activity": gettext_lazy("Latest activity"),
    "customer": gettext_lazy("Account"),
}
# Okabe and Ito's palette, told apart with the common colour-vision deficiencies too: current
# bluish green, then sky blue, orange, vermilion, reddish purple, blue, black.
CHART_COLOURS = ["#009e73", "#56b4e9", "#e69f00", "#d55e00", "#cc79a7", "#0072b2", "#000000"]


def _bucket_definitions(period_set) -> list[dict]:
    return [
        {"label": b.label, "from_days": b.from_days, "to_days": b.to_days}
        for b in period_set.buckets.all()
    ]


CHART_BAR_WIDTH = 880  # SVG units between the largest credit and the largest debit
CHART_LABEL_WIDTH = 80
CHART_ROW_HEIGHT = 34


def _chart(totals: dict, labels: list[str]) -> dict:
    """A stacked bar per legal entity, one segment per bucket, in whole SVG units: what is owed
    to the right of a zero line, credits (a bucket whose credits exceed its debits) to its
    left, each side stacked from the line, both scaled to the widest."""

    def width(amount: Decimal, scale: Decimal) -> int:
        return int((abs(amount) * CHART_BAR_WIDTH / scale).to_integral_value(ROUND_HALF_UP))

    rows = totals["per_entity"]
    debits = max([sum((max(a, ZERO) for a in row["buckets"]), ZERO) for row in rows] or [ZERO])
    credits = max([sum((-min(a, ZERO) for a in row["buckets"]), ZERO) for row in rows] or [ZERO])
    scale = (debits + credits) or Decimal(1)
    zero = CHART_LABEL_WIDTH + width(credits, scale)
    bars = []
    for row_index, row in enumerate(rows):
        right, left, segments = zero, zero, []
        for index, amount in enumerate(row["buckets"]):
            w = width(amount, scale)
            if amount < 0:
                left -= w
            segments.append(
                {
                    "label": labels[index],
                    "amount": amount,
                    "x": left if amount < 0 else right,
                    "width": w,
                    "credit": amount < 0,
                    "colour": CHART_COLOURS[index % len(CHART_COLOURS)],
                }
            )
            if amount > 0:
                right += w
        bars.append({**row, "segments": segments, "y": CHART_ROW_HEIGHT * row_index})
    legend = [
        {"label": label, "colour": CHART_COLOURS[i % len(CHART_COLOURS)]}
        for i, label in enumerate(labels)
    ]
    return {
        "bars": bars,
        "legend": legend,
        "zero": zero,
        "credits": credits > 0,
        "height": CHART_ROW_HEIGHT * len(bars) + 10,
    }


def _collections_rows(request):
    from .models import CustomerPool
    from .selectors import collections_lines, collections_rows

    pools = list(CustomerPool.objects.order_by("code"))
    pool = next((p for p in pools if p.code == request.GET.get("pool")), None)
    entity_code = request.GET.get("legal_entity", "")
    entity_ids = None
    if entity_code:
        entity_ids = set(
            legal_entities_for_user(request.user)
            .filter(code=entity_code)
            .values_list("pk", flat=True)
        )
    # An agent sees their own customers first; "all" shows everyone's.
    mine = request.GET.get("agent", "me" if _is_agent(request.user) else "all") == "me"
    ordering = request.GET.get("ordering", "-overdue")
    if ordering not in COLLECTIONS_SORTS:
        ordering = "-overdue"
    period_set = aging_period_set_get()
    criteria = dict(pool.criteria) if pool else {}
    currency = request.GET.get("currency", "").strip().upper()[:3]
    if currency:
        criteria["currency"] = currency
    lines = collections_lines(
        request.user,
        period_set=period_set,
        criteria=criteria,
        legal_entity_ids=entity_ids,
        agent_id=request.user.pk if mine else None,
    )
    return (
        lines,
        collections_rows(lines, ordering=ordering),
        period_set,
        {
            "pools": pools,
            "pool": pool,
            "entity_code": entity_code,
            "entity_ids": entity_ids,
            "criteria": criteria,
            "currency": currency,
            "mine": mine,
            "ordering": ordering,
        },
    )


def _party_page(request, period_set, filters, definitions):
    """A page of parties, each linked to its first account's collections view."""
    from .selectors import aging_row_buckets, collections_party_rows, party_first_customers

    rows = collections_party_rows(
        request.user,
        period_set=period_set,
        criteria=filters["criteria"],
        legal_entity_ids=filters["entity_ids"],
        ordering=filters["ordering"],
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    first_customer = party_first_customers(request.user, [row["party_number"] for row in page])
    for row in page:
        row["bucket_amounts"] = [Decimal(b["amount"]) for b in aging_row_buckets(row, definitions)]
        row["customer_id"] = first_customer.get(row["party_number"])
    return page


def _is_agent(user) -> bool:
    return user.is_authenticated and user.collections_customers.exists()


@saved_filters_apply("collections")
def collections(request):
    """The collections manager's workspace: customers with their aged balance across legal
    entities (from the latest aging snapshots), a stacked bar chart of the same numbers,
    filtered by pool, entity and agent."""
    from .selectors import CountedRows, collections_totals

    lines, rows, period_set, filters = _collections_rows(request)
    definitions = _bucket_definitions(period_set)
    by_party = request.GET.get("view") == "party"
    if by_party:
        page = _party_page(request, period_set, filters, definitions)
    else:
        page = Paginator(CountedRows(rows, lines), 50).get_page(request.GET.get("page"))
        for row in page:
            row["bucket_amounts"] = [Decimal(a) for a in row["buckets"]]
            limit = row["credit_limit"]
            row["credit_use"] = int(row["balance"] * 100 / limit) if limit else None
    totals = collections_totals(lines, definitions)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "collections_app/collections.html",
        {
            "page": page,
            "by_party": by_party,
            "labels": [d["label"] for d in definitions],
            "chart": _chart(totals, [d["label"] for d in definitions]),
            "entities": legal_entities_for_user(request.user),
            "sorts": COLLECTIONS_SORTS,
            "query": query.urlencode(),
            **filters,
        },
    )


def _export_query(request, filters) -> CollectionsExportQuery:
    return CollectionsExportQuery(
        criteria=filters["criteria"],
        legal_entity_ids=(
            frozenset(filters["entity_ids"]) if filters["entity_ids"] is not None else None
        ),
        agent_id=request.user.pk if filters["mine"] else None,
        ordering=filters["ordering"],
    )


@require_http_methods(["GET", "POST"])
def collections_export(request, fmt: str):
    """The collections list of the current filters, every row: CSV streamed; XLSX written here
    when small, otherwise by a job whose page shows its progress and then the download."""
    from django.http import HttpResponse

    from core.exports import XLSX_CONTENT_TYPE, csv_response

    from .exceptions import ExportNeedsJob
    from .services.exports import collections_export_csv, collections_export_xlsx

    filters = _collections_rows(request)[3]
    query = _export_query(request, filters)
    if fmt == "csv":
        return csv_response(
            collections_export_csv(user=request.user, query=query), filename="collections.csv"
        )
    try:
        result = collections_export_xlsx(
            actor=request.user, query=query, background=request.method == "POST"
        )
    except ExportNeedsJob as exc:
        # A link starts nothing: the page asks, and its button (a POST) starts the job.
        return render(
            request,
            "collections_app/export_confirm.html",
            {"rows": exc.extra["rows"], "query": request.GET.urlencode()},
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('collections')}?{request.GET.urlencode()}")
    if isinstance(result, bytes):
        response = HttpResponse(result, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="collections.xlsx"'
        return response
    messages.info(
        request, _("The export is written in the background: download it here when it is done.")
    )
    return redirect("job-detail", pk=result.pk)


def collections_export_download(request, pk: int):
    """The file of an export job, for the user who started it while still granted its legal
    entities; the job's page until it is done."""
    from core.exports import xlsx_file_response
    from core.models import Job

    from .services.exports import collections_export_job_for_download, export_file_path

    job = collections_export_job_for_download(request.user, pk)
    if job is None:
        raise Http404("No such export.")
    if job.state != Job.State.DONE:
        return redirect("job-detail", pk=job.pk)
    return xlsx_file_response(export_file_path(job), filename=f"collections-{job.pk}.xlsx")


# --- a customer's collections view ------------------------------------------------------------


def customer_collections(request, pk: int):
    """One customer's collections view: the party's open items across the granted entities with
    days overdue, live aging, activities, disputes, letters, write-off, credit hold, agent."""
    from django.utils import timezone

    from .models import Activity
    from .selectors import (
        collections_customer_for_user,
        collections_customer_overview,
        live_aging,
        party_open_items,
    )

    customer = collections_customer_for_user(request.user, pk)
    if customer is None:
        raise Http404("No such customer.")
    today = timezone.localdate()
    items = party_open_items(customer.party, request.user, on=today)
    buckets = list(aging_period_set_get().buckets.all())
    return render(
        request,
        "collections_app/customer.html",
        {
            "customer": customer,
            "items": items,
            "today": today,
            "labels": [b.label for b in buckets],
            "aging": live_aging(items, buckets, on=today),
            **collections_customer_overview(customer, request.user),
            "kinds": [(k, label) for k, label in Activity.Kind.choices if k in MANUAL_KINDS],
            "form": request.session.pop("collections_form", {}),
            "errors": request.session.pop("collections_errors", {}),
        },
    )


def letter_view(request, pk: int, fmt: str = "html"):
    """A sent letter as it was: printable HTML, or PDF."""
    from django.http import HttpResponse

    from .models import CollectionLetter
    from .printing import letter_pdf

    letter = get_object_or_404(
        CollectionLetter.objects.select_related("legal_entity", "customer__party", "step"), pk=pk
    )
    if not user_can_act_in(request.user, letter.legal_entity):
        raise Http404("No such letter.")
    if fmt == "pdf":
        response = HttpResponse(letter_pdf(letter), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="letter-{letter.pk}.pdf"'
        return response
    return HttpResponse(letter.html)
