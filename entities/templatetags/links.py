"""``{% related_links obj as links %}``: the links higher rooms registered for ``obj`` (see
``core.links``), as the signed-in user may see them."""

from django import template

from core.links import Link
from core.links import related_links as links_for

register = template.Library()


@register.simple_tag(takes_context=True)
def related_links(context, obj) -> list[Link]:
    if obj is None:
        return []
    request = context.get("request")
    return links_for(obj, user=getattr(request, "user", None))
