"""``{% saved_filters_menu %}``: the saved filters menu of a list page whose view wears
``entities.views_saved_filters.saved_filters_apply`` (nothing on other pages, or on a list
that has no filter parameters)."""

from django import template

from ..views_saved_filters import TEMPLATE, saved_filters_context

register = template.Library()


@register.inclusion_tag(TEMPLATE, takes_context=True)
def saved_filters_menu(context):
    request = context["request"]
    return {
        **saved_filters_context(
            request,
            list_key=getattr(request, "saved_filter_list", None),
            query=request.GET,
            path=request.path,
            saved=getattr(request, "saved_filter", None),
        ),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
