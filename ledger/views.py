"""Browser pages of the ledger room: trial balance, the ledger entries behind one of its lines,
vouchers."""

from datetime import date
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from entities.context_processors import current_legal_entity
from entities.models import LegalEntity
from entities.selectors import audit_entries_for, user_can_act_in
from entities.views_saved_filters import saved_filters_apply

from .models import LedgerEntry
from .selectors import account_entries, main_accounts, trial_balance, vouchers_for_user
from .sources import voucher_source

ENTRIES_PER_PAGE = 50


def _entity_or_404(request, code: str | None) -> LegalEntity:
    if not code:
        entity = current_legal_entity(request)
        if entity is None:
            raise Http404("You are not granted any legal entity.")
        return entity
    entity = get_object_or_404(LegalEntity, code=code)
    if not user_can_act_in(request.user, entity):
        raise Http404("No such legal entity.")
    return entity


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def trial_balance_view(request, code: str | None = None):
    entity = _entity_or_404(request, code)
    date_from = _parse_date(request.GET.get("date_from"))
    date_to = _parse_date(request.GET.get("date_to"))
    tb = trial_balance(legal_entity=entity, date_from=date_from, date_to=date_to)
    return render(request, "ledger/trial_balance.html", {"entity": entity, "tb": tb})


def ledger_entries(request, code: str):
    """The entries behind one trial balance line: one account of one entity, within a date
    range, a page at a time, each entry linking to its voucher."""
    entity = _entity_or_404(request, code)
    accounts = main_accounts(legal_entity=entity)
    form = {key: request.GET.get(key, "").strip() for key in ("account", "date_from", "date_to")}
    errors: dict[str, str] = {}
    account = None
    if not form["account"]:
        errors["account"] = _("Choose an account.")
    else:
        account = accounts.filter(number=form["account"]).first()
        if account is None:
            errors["account"] = _("%(entity)s has no account %(account)s.") % {
                "entity": entity.code,
                "account": form["account"],
            }
    dates = {}
    for key in ("date_from", "date_to"):
        dates[key] = _parse_date(form[key])
        if form[key] and dates[key] is None:
            errors[key] = _("%(value)s is not a date (YYYY-MM-DD).") % {"value": repr(form[key])}
    start, end = dates["date_from"], dates["date_to"]
    if not errors and start and end and start > end:
        errors["date_to"] = _("The end of the range is before its start.")
    context = {"entity": entity, "accounts": accounts, "form": form, "errors": errors}
    if not request.GET:
        return render(request, "ledger/ledger_entries.html", {**context, "errors": {}})
    if errors:
        return render(request, "ledger/ledger_entries.html", context, status=400)
    found = account_entries(account=account, **dates)
    query = urlencode({key: value for key, value in form.items() if value})
    page = Paginator(found.entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    context.update(found=found, page=page, query=query)
    return render(request, "ledger/ledger_entries.html", context)


@saved_filters_apply("vouchers")
def voucher_list(request, code: str | None = None):
    entity = _entity_or_404(request, code)
    vouchers = (
        vouchers_for_user(request.user)
        .filter(legal_entity=entity)
        .annotate(line_count=Count("lines"))
        .order_by("-date", "-id")
    )
    page = Paginator(vouchers, 50).get_page(request.GET.get("page"))
    return render(request, "ledger/voucher_list.html", {"entity": entity, "page": page})


def voucher_detail(request, pk: int):
    lines = LedgerEntry.objects.select_related("account", "counterparty", "customer__party")
    voucher = get_object_or_404(
        vouchers_for_user(request.user).prefetch_related(
            Prefetch("lines", queryset=lines.order_by("id"))
        ),
        pk=pk,
    )
    reversal = getattr(voucher, "reversed_by", None) if hasattr(voucher, "reversed_by") else None
    return render(
        request,
        "ledger/voucher_detail.html",
        {
            "voucher": voucher,
            "reversal": reversal,
            "source": voucher_source(voucher, user=request.user),
            "audit_entries": audit_entries_for(voucher, user=request.user)[:50],
        },
    )
