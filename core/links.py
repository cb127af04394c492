"""The registry of drill-down links: a page of a lower app shows what higher apps made of its
object (the settlements that touched an open transaction, say) without importing them. Each app
registers, when it is ready, a provider for the models it knows something about, as apps register
job kinds; core names none of them."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Link:
    """A link to one object, as a page lists it: ``label`` is what the link reads, ``note`` what
    follows it (a date, an amount), ``kind`` what it is ("Settlement", "Invoice")."""

    kind: str
    label: str
    url: str
    note: str = ""


Provider = Callable[[Any, Any], Iterable[Link]]

_PROVIDERS: dict[str, list[Provider]] = {}


def _label(model_or_obj: Any) -> str:
    meta = model_or_obj._meta
    return f"{meta.app_label}.{meta.object_name}".lower()


def related_links_register(*, model: str, provider: Provider) -> None:
    """Register ``provider(obj, user)`` for objects of ``model`` ("app_label.ModelName"): it
    returns links to what concerns ``obj`` that ``user`` may see."""
    providers = _PROVIDERS.setdefault(model.lower(), [])
    if provider not in providers:
        providers.append(provider)


def related_links(obj: Any, *, user: Any) -> list[Link]:
    """Every registered provider's links for ``obj``, in registration order."""
    links: list[Link] = []
    for provider in _PROVIDERS.get(_label(obj), []):
        links.extend(provider(obj, user))
    return links
