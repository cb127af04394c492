"""Browser pages of the ledger room: home, trial balance, vouchers."""

from datetime import date

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from entities.context_processors import current_legal_entity
from entities.models import LegalEntity
from entities.selectors import audit_entries_for, user_can_act_in
from entities.views_saved_filters import saved_filters_apply

from .models import LedgerEntry
from .selectors import trial_balance, vouchers_for_user


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
            "audit_entries": audit_entries_for(voucher, user=request.user)[:50],
        },
    )
