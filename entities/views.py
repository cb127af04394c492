"""Browser pages of the entities room: the entity switcher and a legal entity's page."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error

from .context_processors import SESSION_KEY
from .models import LegalEntity
from .selectors import audit_entries_for, user_can_act_in


@require_POST
def legal_entity_switch(request):
    code = request.POST.get("legal_entity", "")
    entity = LegalEntity.objects.filter(code=code).first()
    if entity is None or not user_can_act_in(request.user, entity):
        messages.error(request, f"You may not act in legal entity {code}.")
    else:
        request.session[SESSION_KEY] = entity.code
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    return redirect(target)


def legal_entity_detail(request, code: str):
    entity = get_object_or_404(LegalEntity, code=code)
    if not user_can_act_in(request.user, entity):
        raise Http404("No such legal entity.")
    return render(
        request,
        "entities/legal_entity_detail.html",
        {"entity": entity, "audit_entries": audit_entries_for(entity)[:50]},
    )


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {"code": "not_found", "message": "Not found.", "fields": {}}, status=404
        )
    return django_page_not_found(request, exception)


def server_error(request):
    if _wants_json(request):
        return JsonResponse(
            {
                "code": "server_error",
                "message": "Internal error; it has been logged.",
                "fields": {},
            },
            status=500,
        )
    return django_server_error(request)
