"""Browser pages of the entities room: the entity switcher, a legal entity's page, and the jobs
page with live progress bars."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error

from core.errors import ApplicationError
from core.jobs import job_kinds, job_retry, job_start
from core.middleware import LANGUAGE_SESSION_KEY
from core.permissions import role_required_for_writes

from .context_processors import SESSION_KEY
from .models import LegalEntity
from .selectors import (
    audit_entries_for,
    jobs_for_user,
    legal_entities_for_user,
    user_can_act_in,
    user_language,
)
from .services.preferences import user_language_set


@require_POST
def legal_entity_switch(request):
    code = request.POST.get("legal_entity", "")
    entity = LegalEntity.objects.filter(code=code).first()
    if entity is None or not user_can_act_in(request.user, entity):
        messages.error(request, _("You may not act in legal entity %(code)s.") % {"code": code})
    else:
        request.session[SESSION_KEY] = entity.code
    return redirect(_next_page(request))


def _next_page(request) -> str:
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    return target


@require_POST
def language_set(request):
    """The language switcher: the user's choice is kept (their preference, this session and the
    language cookie, so that the sign-in page keeps it after signing out)."""
    language = request.POST.get("language", "")
    try:
        user_language_set(user=request.user, language=language)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_next_page(request))
    response = redirect(_next_page(request))
    if not language:
        # Left to the browser again: its Accept-Language from the next page on.
        request.session.pop(LANGUAGE_SESSION_KEY, None)
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
        return response
    request.session[LANGUAGE_SESSION_KEY] = language
    translation.activate(language)
    messages.success(
        request,
        _("Pages are now shown in %(language)s.")
        % {"language": translation.get_language_info(language)["name_local"]},
    )
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def user_language_to_session(sender, request, user, **kwargs) -> None:
    """On sign-in (``user_logged_in``): the language the user chose, for every page after."""
    language = user_language(user)
    if language:
        request.session[LANGUAGE_SESSION_KEY] = language


def legal_entity_detail(request, code: str):
    entity = get_object_or_404(LegalEntity, code=code)
    if not user_can_act_in(request.user, entity):
        raise Http404("No such legal entity.")
    return render(
        request,
        "entities/legal_entity_detail.html",
        {"entity": entity, "audit_entries": audit_entries_for(entity, user=request.user)[:50]},
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


# --- jobs ------------------------------------------------------------------------------------


def _job_form_errors(request, data) -> tuple[dict, dict]:
    """(cleaned, errors) of the start-a-job form."""
    from datetime import date

    errors: dict[str, str] = {}
    kinds = job_kinds()
    kind = data.get("kind", "")
    if kind not in kinds:
        errors["kind"] = _("Choose what to run.")
    codes = data.getlist("legal_entities")
    entities = list(legal_entities_for_user(request.user).filter(code__in=codes))
    if not entities:
        errors["legal_entities"] = _("Choose at least one legal entity.")
    try:
        as_of = date.fromisoformat(data.get("as_of", ""))
    except ValueError:
        as_of = None
        errors["as_of"] = _("Enter a date as YYYY-MM-DD.")
    return {"kind": kind, "legal_entities": entities, "as_of": as_of}, errors


@role_required_for_writes("core.add_job")
def job_list(request):
    """Jobs of the user's legal entities, newest first, and the form that starts one."""
    from django.utils import timezone

    form = {
        "kind": request.GET.get("kind", ""),
        "codes": [],
        "as_of": timezone.localdate().isoformat(),
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        cleaned, errors = _job_form_errors(request, request.POST)
        form = {
            "kind": request.POST.get("kind", ""),
            "codes": request.POST.getlist("legal_entities"),
            "as_of": request.POST.get("as_of", ""),
        }
        if not errors:
            try:
                job = job_start(actor=request.user, parameters={}, **cleaned)
            except ApplicationError as exc:
                errors[
                    exc.field if exc.field in ("kind", "legal_entities", "as_of") else "general"
                ] = exc.message
            else:
                messages.success(request, _("Job %(job)s started.") % {"job": job.pk})
                return redirect("job-detail", pk=job.pk)
    jobs = list(jobs_for_user(request.user).prefetch_related("legal_entities")[:50])
    kinds = job_kinds()
    for job in jobs:
        job.label = kinds[job.kind].label if job.kind in kinds else job.kind
    return render(
        request,
        "entities/job_list.html",
        {
            "jobs": jobs,
            "kinds": kinds,
            "form": form,
            "errors": errors,
            "entities": legal_entities_for_user(request.user),
            "any_active": any(j.is_active for j in jobs),
        },
        status=400 if errors else 200,
    )


def job_detail(request, pk: int):
    job = get_object_or_404(jobs_for_user(request.user).prefetch_related("legal_entities"), pk=pk)
    kind = job_kinds().get(job.kind)
    part = request.GET.get("part") if request.htmx else None
    template = {"bar": "entities/_job_progress.html", "live": "entities/_job_live.html"}.get(
        part, "entities/job_detail.html"
    )
    return render(
        request,
        template,
        {
            "job": job,
            "poll": part == "bar",
            "kind": kind,
            "results_url": kind.results_url(job) if kind and kind.results_url else None,
            # What it made, once it has ended: links registered by the app that runs the kind.
            "outputs": (
                kind.outputs(job, request.user)
                if kind and kind.outputs and not job.is_active
                else []
            ),
        },
    )


@require_POST
@role_required_for_writes("core.add_job")
def job_retry_view(request, pk: int):
    job = get_object_or_404(jobs_for_user(request.user), pk=pk)
    try:
        job_retry(job=job, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Job %(job)s queued again.") % {"job": job.pk})
    return redirect("job-detail", pk=job.pk)
