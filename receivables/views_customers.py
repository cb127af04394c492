"""Browser pages of the receivables room's customers: the list with open balances, and a
customer's page with its party's accounts, open items, balances and aging across the granted
legal entities."""

from datetime import date

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from entities.views_saved_filters import saved_filters_apply

from .selectors import customer_for_user, customer_overview, customers_for_user
from .views import _today


@saved_filters_apply("customers")
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
    customer = customer_for_user(request.user, pk)
    if customer is None:
        raise Http404("No such customer.")
    show_closed = request.GET.get("closed") == "1"
    as_of = _parse_date(request.GET.get("as_of")) or _today()
    overview = customer_overview(customer, request.user, as_of=as_of, show_closed=show_closed)
    return render(
        request,
        "receivables/customer_detail.html",
        {
            "customer": customer,
            "party": customer.party,
            **overview,
            "as_of": as_of,
            "show_closed": show_closed,
        },
    )


def _parse_date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
