"""``{% page_query n %}``: the query string of the current page's request with ``page`` set to
``n``, so that paging through a filtered list keeps its filters."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, number) -> str:
    request = context.get("request")
    query = request.GET.copy() if request is not None else None
    if query is None:
        return f"?page={number}"
    query["page"] = number
    return "?" + query.urlencode()
