"""Browser pages of the collections room: the aging of the current legal entity's customers, the
collections page, a customer's collections view and its letters.

Past the ~400 lines the style asks for: it is split by concern when the platform moves to
``core`` and each concept gets one owner (the architecture step), so that the split is done
once, in the new layout, with behaviour and figures unchanged.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError
from core.money import format_amount
from entities.context_processors import current_legal_entity
from entities.selectors import in_granted_entities, legal_entities_for_user, user_can_act_in

from .selectors import (
    aging_period_set_get,
    aging_period_sets,
    aging_snapshot_for_entity,
    aging_snapshot_lines,
    aging_snapshot_totals,
)
from .services.exports import CollectionsExportQuery
from .services.work import MANUAL_KINDS

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


# --- the collections page ---------------------------------------------------------------------

COLLECTIONS_SORTS = {
    "-overdue": "Most overdue",
    "-balance": "Largest balance",
    "promised_on": "Next promise",
    "last_activity": "Latest activity",
    "customer": "Account",
}
CHART_COLOURS = ["#2e7d32", "#f9a825", "#ef6c00", "#c62828", "#6a1b9a", "#37474f", "#0277bd"]


def _bucket_definitions(period_set) -> list[dict]:
    return [
        {"label": b.label, "from_days": b.from_days, "to_days": b.to_days}
        for b in period_set.buckets.all()
    ]


CHART_BAR_WIDTH = 880  # SVG units of the longest bar
CHART_ROW_HEIGHT = 34


def _chart(totals: dict, labels: list[str]) -> dict:
    """A stacked bar per legal entity, one segment per bucket, in whole SVG units scaled to the
    largest bar (credits are left out of the bars and shown in the table)."""
    bars = []
    largest = (
        max([sum(max(a, 0) for a in row["buckets"]) for row in totals["per_entity"]] or [0]) or 1
    )
    for row_index, row in enumerate(totals["per_entity"]):
        x, segments = 0, []
        for index, amount in enumerate(row["buckets"]):
            width = int(
                (max(amount, 0) * CHART_BAR_WIDTH / largest).to_integral_value(ROUND_HALF_UP)
            )
            segments.append(
                {
                    "label": labels[index],
                    "amount": amount,
                    "x": x,
                    "width": width,
                    "colour": CHART_COLOURS[index % len(CHART_COLOURS)],
                }
            )
            x += width
        bars.append({**row, "segments": segments, "y": CHART_ROW_HEIGHT * row_index})
    legend = [
        {"label": label, "colour": CHART_COLOURS[i % len(CHART_COLOURS)]}
        for i, label in enumerate(labels)
    ]
    return {"bars": bars, "legend": legend, "height": CHART_ROW_HEIGHT * len(bars) + 10}


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
        request, "The export is written in the background: download it here when it is done."
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
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from entities.models import Customer

    from .models import Activity, CollectionLetter, CollectionsProfile
    from .selectors import live_aging, party_open_items

    customer = get_object_or_404(Customer.objects.select_related("legal_entity", "party"), pk=pk)
    if not user_can_act_in(request.user, customer.legal_entity):
        raise Http404("No such customer.")
    today = timezone.localdate()
    items = party_open_items(customer.party, request.user, on=today)
    period_set = aging_period_set_get()
    buckets = list(period_set.buckets.all())
    profile = CollectionsProfile.objects.filter(customer=customer).select_related("agent").first()
    agents = get_user_model().objects.filter(is_active=True).order_by("username")
    return render(
        request,
        "collections_app/customer.html",
        {
            "customer": customer,
            "items": items,
            "today": today,
            "labels": [b.label for b in buckets],
            "aging": live_aging(items, buckets, on=today),
            "activities": Activity.objects.filter(party=customer.party)
            .filter(legal_entity__in=legal_entities_for_user(request.user))
            .select_related("created_by", "legal_entity")[:50],
            "letters": CollectionLetter.objects.filter(customer=customer).select_related("step"),
            "agent": profile.agent if profile else None,
            "agents": agents,
            "kinds": [(k, label) for k, label in Activity.Kind.choices if k in MANUAL_KINDS],
            "form": request.session.pop("collections_form", {}),
            "errors": request.session.pop("collections_errors", {}),
        },
    )


def _back(request, customer_pk: int, *, errors=None, form=None):
    if errors:
        request.session["collections_errors"] = errors
        request.session["collections_form"] = form or {}
    return redirect("collections-customer", pk=customer_pk)


def _customer_or_404(request, pk: int):
    from entities.models import Customer

    customer = get_object_or_404(Customer.objects.select_related("legal_entity", "party"), pk=pk)
    if not user_can_act_in(request.user, customer.legal_entity):
        raise Http404("No such customer.")
    return customer


def _decimal(value: str):
    from decimal import InvalidOperation

    try:
        return Decimal(value) if value.strip() else None
    except InvalidOperation:
        return "invalid"


def _date(value: str):
    try:
        return date.fromisoformat(value) if value.strip() else None
    except ValueError:
        return "invalid"


# What each action of the customer view needs of the user's role (the API asks the same).
ACTION_PERMISSIONS = {
    "activity": "collections_app.add_activity",
    "dispute": "collections_app.add_dispute",
    "resolve": "collections_app.change_dispute",
    "write-off": "collections_app.add_writeoff",
    "letter": "collections_app.add_collectionletter",
    "credit-hold": "entities.change_customer",
    "agent": "entities.change_customer",
}


@require_POST
def customer_collections_action(request, pk: int, verb: str):
    """The forms of the customer view: log an activity, dispute or resolve, write off, send a
    letter, credit hold, agent. Errors go back beside their field; nothing typed is lost."""
    from django.contrib.auth import get_user_model

    from receivables.selectors import open_transactions_for_user

    from .models import Dispute
    from .services import (
        ActivityInput,
        activity_log,
        collections_agent_assign,
        credit_hold_set,
        dispute_open,
        dispute_resolve,
        letter_send,
        write_off_create,
    )

    customer = _customer_or_404(request, pk)
    post = request.POST
    form = {k: post.get(k, "") for k in post if k != "csrfmiddlewaretoken"}
    needed = ACTION_PERMISSIONS.get(verb)
    if needed is None:
        raise Http404("No such action.")
    if not request.user.has_perm(needed):
        messages.error(request, "Your role may not do this.")
        return _back(request, pk)

    def transaction_arg():
        ot = (
            open_transactions_for_user(request.user).filter(pk=post.get("transaction") or 0).first()
        )
        if ot is None:
            raise Http404("No such transaction.")
        return ot

    try:
        if verb == "activity":
            follow_up, promised_on = (
                _date(post.get("follow_up_on", "")),
                _date(post.get("promised_on", "")),
            )
            amount = _decimal(post.get("promised_amount", ""))
            bad = {
                name: "Enter a date as YYYY-MM-DD."
                for name, value in (("follow_up_on", follow_up), ("promised_on", promised_on))
                if value == "invalid"
            }
            if amount == "invalid":
                bad["promised_amount"] = "Enter an amount such as 120.00."
            if bad:
                return _back(
                    request, pk, errors={f"activity_{k}": v for k, v in bad.items()}, form=form
                )
            activity_log(
                customer=customer,
                data=ActivityInput(
                    kind=post.get("kind", ""),
                    subject=post.get("subject", ""),
                    notes=post.get("notes", ""),
                    follow_up_on=follow_up,
                    promised_on=promised_on,
                    promised_amount=amount,
                ),
                actor=request.user,
            )
            messages.success(request, "Activity logged.")
        elif verb == "dispute":
            dispute_open(
                open_transaction=transaction_arg(),
                reason=post.get("reason", ""),
                actor=request.user,
            )
            messages.success(request, "Transaction put in dispute.")
        elif verb == "resolve":
            dispute = get_object_or_404(
                in_granted_entities(Dispute.objects.all(), request.user),
                pk=post.get("dispute") or 0,
                status="open",
            )
            dispute_resolve(
                dispute=dispute, resolution=post.get("resolution", ""), actor=request.user
            )
            messages.success(request, "Dispute resolved.")
        elif verb == "write-off":
            amount = _decimal(post.get("amount", ""))
            if amount == "invalid":
                return _back(
                    request,
                    pk,
                    errors={"write_off_amount": "Enter an amount such as 0.40."},
                    form=form,
                )
            write_off = write_off_create(
                open_transaction=transaction_arg(),
                amount=amount,
                reason=post.get("reason", ""),
                actor=request.user,
            )
            amount_text = format_amount(write_off.amount, write_off.currency)
            messages.success(request, f"{amount_text} {write_off.currency} written off.")
        elif verb == "letter":
            letter = letter_send(
                customer=customer, actor=request.user, email=post.get("email") or None
            )
            messages.success(request, f"Letter {letter.step.step} sent.")
        elif verb == "credit-hold":
            customer = credit_hold_set(
                customer=customer,
                hold=post.get("hold") == "on",
                reason=post.get("reason", ""),
                actor=request.user,
            )
            messages.success(
                request, "Credit hold placed." if customer.blocked else "Credit hold released."
            )
        elif verb == "agent":
            agent = get_user_model().objects.filter(username=post.get("agent", "")).first()
            collections_agent_assign(customer=customer, agent=agent, actor=request.user)
            messages.success(request, "Agent assigned." if agent else "Agent removed.")
        else:
            raise Http404("No such action.")
    except ApplicationError as exc:
        prefix = verb.replace("-", "_")
        field = f"{prefix}_{exc.field}" if exc.field else f"{prefix}_general"
        return _back(request, pk, errors={field: exc.message, "general": exc.message}, form=form)
    return _back(request, pk)


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
