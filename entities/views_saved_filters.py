"""Saved filters on list pages: the decorator a list view wears so that it opens with the
user's default filter (or the saved filter picked from the menu), the menu's context, and the
menu's writes (save, rename, share, make default, delete), each calling one service.

A list opened with any of its filter parameters in the query string shows exactly that; opened
with none, it shows the user's default filter; ``?saved_filter=<id>`` shows that saved filter
and ``?saved_filter=none`` the list unfiltered."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.errors import ApplicationError
from core.lists import FilteredList, filtered_list_get

from .context_processors import current_legal_entity
from .models import SavedFilter
from .selectors import saved_filter_default_for, saved_filters_for_user
from .services.saved_filters import (
    saved_filter_create,
    saved_filter_delete,
    saved_filter_update,
)

PARAMETER = "saved_filter"
NONE = "none"
TEMPLATE = "_saved_filters.html"


def _saved_filter_visible(user, list_key: str, value: str) -> SavedFilter:
    """The saved filter ``value`` names, if ``user`` sees it on this list; else a 404 (the
    same for another user's private filter as for none at all)."""
    if not value.isdigit() or len(value) > 18:
        raise Http404("No such saved filter.")
    saved = saved_filters_for_user(user, list_key=list_key).filter(pk=int(value)).first()
    if saved is None:
        raise Http404("No such saved filter.")
    return saved


def _filters_resolved(user, filtered: FilteredList, query: QueryDict):
    """The query the list is shown with and the saved filter it comes from (or ``None``)."""
    chosen = query.get(PARAMETER)
    if chosen is None and any(name in query for name in filtered.parameters):
        return query, None  # an explicit query string wins
    if chosen == NONE:
        saved = None
    elif chosen is not None:
        saved = _saved_filter_visible(user, filtered.key, chosen)
    else:
        saved = saved_filter_default_for(user, filtered.key)
        if saved is None:
            return query, None
    resolved = query.copy()
    for name in (PARAMETER, *filtered.parameters):
        resolved.pop(name, None)
    for name, value in (saved.parameters if saved else {}).items():
        resolved[name] = value
    return QueryDict(resolved.urlencode()), saved  # immutable, as a request's query is


def saved_filters_apply(list_key: str | Callable[[dict[str, Any]], str]):
    """A list view's decorator: the list ``list_key`` (or a function of the view's keyword
    arguments giving it) opens with the user's default filter or the saved filter picked; the
    menu (``{% saved_filters_menu %}``) then shows the list's saved filters."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            key = list_key(kwargs) if callable(list_key) else list_key
            request.saved_filter_list = key
            request.saved_filter = None
            filtered = filtered_list_get(key)
            if request.method == "GET" and filtered is not None and filtered.parameters:
                request.GET, request.saved_filter = _filters_resolved(
                    request.user, filtered, request.GET
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def saved_filters_context(
    request,
    *,
    list_key: str | None,
    query: QueryDict,
    path: str,
    saved: SavedFilter | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What the menu shows: the list's saved filters the user sees, which one is applied, and
    the current filter parameters the save form stores."""
    filtered = filtered_list_get(list_key) if list_key else None
    if filtered is None or not filtered.parameters or not request.user.is_authenticated:
        return {"saved_filters_shown": False}
    current = {name: query[name] for name in filtered.parameters if name in query}
    errors, values = errors or {}, values or {}
    filters = list(saved_filters_for_user(request.user, list_key=filtered.key))
    for saved_filter in filters:  # what the rename form shows again beside its field
        saved_filter.error = errors.get(str(saved_filter.pk))
        saved_filter.typed_name = values.get(str(saved_filter.pk))
    if saved is None:
        saved = next((f for f in filters if f.parameters == current), None) if current else None
    here = f"{path}?{query.urlencode()}" if query else path
    return {
        "saved_filters_shown": True,
        "list": filtered,
        "saved_filters": filters,
        "current_filter": saved,
        "current_query": urlencode(current),
        "current_parameters": current,
        "path": path,
        "next": here,
        "legal_entity": current_legal_entity(request),
        "user": request.user,
        "errors": errors,
        "values": values,
    }


# --- the menu's writes ------------------------------------------------------------------------


def _next(request) -> tuple[str, QueryDict]:
    """Where the menu was: the list's path and query (``next``), if it is on this site."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    parts = urlsplit(target)
    return parts.path or "/", QueryDict(parts.query)


def _done(request, target: str, message: str):
    messages.success(request, message)
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


def _refused(request, error: ApplicationError, *, form: str, list_key: str | None):
    """The menu again with the error beside the field (htmx), or the list with the error."""
    path, query = _next(request)
    if request.htmx:
        filtered = filtered_list_get(list_key or "")
        saved = None
        if filtered is not None and filtered.parameters:
            try:
                query, saved = _filters_resolved(request.user, filtered, query)
            except Http404:
                saved = None
        context = saved_filters_context(
            request,
            list_key=list_key,
            query=query,
            path=path,
            saved=saved,
            errors={form: error.message},
            values={form: request.POST.get("name", "")},
        )
        context["open"] = True
        return HttpResponse(render_to_string(TEMPLATE, context, request=request))
    messages.error(request, error.message)
    return redirect(f"{path}?{query.urlencode()}" if query else path)


def _own_or_shared(request, pk: int) -> SavedFilter:
    saved = saved_filters_for_user(request.user).filter(pk=pk).first()
    if saved is None:
        raise Http404("No such saved filter.")
    return saved


@require_POST
def saved_filter_create_view(request):
    list_key = request.POST.get("list_key", "")
    path, _query = _next(request)
    try:
        entity = current_legal_entity(request)
        if entity is None:
            raise ApplicationError("You are not granted any legal entity.", field="name")
        saved = saved_filter_create(
            list_key=list_key,
            name=request.POST.get("name", ""),
            parameters=QueryDict(request.POST.get("query", "")),
            legal_entity=entity,
            shared=request.POST.get("shared") == "on",
            default=request.POST.get("default") == "on",
            actor=request.user,
        )
    except ApplicationError as error:
        return _refused(request, error, form="new", list_key=list_key)
    return _done(
        request,
        f"{path}?{PARAMETER}={saved.pk}",
        _("Filter %(name)s saved.") % {"name": repr(saved.name)},
    )


@require_POST
def saved_filter_change_view(request, pk: int):
    """Rename one's own filter, or share it or stop sharing it."""
    saved = _own_or_shared(request, pk)
    path, query = _next(request)
    changes: dict[str, Any] = {}
    if "name" in request.POST:
        changes["name"] = request.POST["name"]
    if "shared" in request.POST:
        changes["shared"] = request.POST["shared"] == "1"
    try:
        saved = saved_filter_update(saved_filter=saved, actor=request.user, **changes)
    except ApplicationError as error:
        return _refused(request, error, form=str(pk), list_key=saved.list_key)
    here = f"{path}?{query.urlencode()}" if query else path
    return _done(request, here, _("Filter %(name)s saved.") % {"name": repr(saved.name)})


@require_POST
def saved_filter_default_view(request, pk: int):
    """Open the list with this filter from now on (``default=1``), or no longer (``0``)."""
    saved = _own_or_shared(request, pk)
    path, query = _next(request)
    make = request.POST.get("default") == "1"
    try:
        saved_filter_update(saved_filter=saved, default=make, actor=request.user)
    except ApplicationError as error:
        return _refused(request, error, form=str(pk), list_key=saved.list_key)
    if make:
        message = _("%(name)s is now your default filter for %(list)s.") % {
            "name": repr(saved.name),
            "list": _(saved.list_label),
        }
    else:
        message = _("%(list)s open unfiltered from now on.") % {"list": _(saved.list_label)}
    here = f"{path}?{query.urlencode()}" if query else path
    return _done(request, here, message)


@require_POST
def saved_filter_delete_view(request, pk: int):
    saved = _own_or_shared(request, pk)
    path, _query = _next(request)
    try:
        saved_filter_delete(saved_filter=saved, actor=request.user)
    except ApplicationError as error:
        return _refused(request, error, form=str(pk), list_key=saved.list_key)
    return _done(request, path, _("Filter %(name)s deleted.") % {"name": repr(saved.name)})
