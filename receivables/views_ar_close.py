"""The Close AR page: choose a legal entity and a fiscal period, see what stands in the way of
closing accounts receivable for it (each with a link to where it is cleared), and close it;
an administrator may close over the blockers, saying why."""

from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.permissions import role_required_for_writes
from entities.selectors import legal_entities_for_user
from ledger.models import FiscalPeriod

from .ar_close import ar_close_blockers, customer_balance_as_of
from .services import ar_close
from .views import _entity

KIND_LABELS = {
    "draft_invoice": gettext_lazy("Draft invoice"),
    "draft_credit_note": gettext_lazy("Draft credit note"),
    "draft_payment": gettext_lazy("Draft payment"),
    "payment_journal": gettext_lazy("Payment journal"),
    "draft_interest_note": gettext_lazy("Draft interest note"),
    "customer_balance": gettext_lazy("Customer balance"),
    "bank_statement": gettext_lazy("Bank statement"),
}


def _label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def _chosen(request, params):
    """The legal entity (granted; the current one by default) and its fiscal period the page
    is about: the one starting on ``period``, else the latest one not closed that has ended,
    else the one of today."""
    entities = list(legal_entities_for_user(request.user).order_by("code"))
    code = params.get("legal_entity", "")
    entity = next((e for e in entities if e.code == code), None) or _entity(request)
    periods = list(FiscalPeriod.objects.filter(legal_entity=entity).order_by("start"))
    if not periods:
        raise Http404(f"Legal entity {entity.code} has no fiscal periods.")
    try:
        start = date.fromisoformat(params.get("period", ""))
    except ValueError:
        start = None
    today = timezone.localdate()
    period = (
        next((p for p in periods if p.start == start), None)
        or next(
            (p for p in reversed(periods) if p.end < today and p.status != p.Status.CLOSED),
            None,
        )
        or next((p for p in periods if p.start <= today <= p.end), None)
        or periods[-1]
    )
    return entities, entity, periods, period


@role_required_for_writes("ledger.change_fiscalperiod")
def ar_close_page(request):
    params = request.POST if request.method == "POST" else request.GET
    entities, entity, periods, period = _chosen(request, params)
    here = f"{reverse('ar-close')}?legal_entity={entity.code}&period={period.start.isoformat()}"
    if request.method == "POST":
        chosen = (params.get("legal_entity"), params.get("period"))
        if chosen != (entity.code, period.start.isoformat()):
            # Never close a period the user did not name.
            messages.error(request, _("Choose the legal entity and the fiscal period to close."))
            return redirect(here)
        try:
            closed, overridden = ar_close(
                legal_entity=entity,
                period=period,
                actor=request.user,
                override="override" in request.POST,
                note=request.POST.get("note", ""),
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            done = (
                _(
                    "Accounts receivable of %(entity)s closed for %(period)s: nothing posts into "
                    "the period any more (%(count)s blockers overridden)."
                )
                if overridden
                else _(
                    "Accounts receivable of %(entity)s closed for %(period)s: nothing posts into "
                    "the period any more."
                )
            )
            values = {"entity": entity.code, "period": closed.name, "count": len(overridden)}
            messages.success(request, done % values)
        return redirect(here)
    blockers = ar_close_blockers(legal_entity=entity, period=period)
    return render(
        request,
        "receivables/ar_close.html",
        {
            "entities": entities,
            "entity": entity,
            "periods": periods,
            "period": period,
            "blockers": [{"blocker": b, "label": _label(b.kind)} for b in blockers],
            "balance": customer_balance_as_of(legal_entity=entity, on=period.end),
            "may_close": request.user.has_perm("ledger.change_fiscalperiod"),
            "may_override": request.user.is_superuser,
        },
    )
