"""What a locked-out sign-in gets (django-axes' ``AXES_LOCKOUT_CALLABLE``): the sign-in locked
page, or the API's error shape when the client asks for JSON; status 429 either way."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext


def _minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def sign_in_locked_out(request: HttpRequest, original_response=None, credentials=None):
    minutes = _minutes()
    # In the page's language; the API's requests are always English (core.middleware).
    message = ngettext(
        "Too many failed sign-ins: signing in from this address is locked for %(minutes)d "
        "minute. Try again later, or ask an administrator to unlock it.",
        "Too many failed sign-ins: signing in from this address is locked for %(minutes)d "
        "minutes. Try again later, or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}
    wants_json = request.path.startswith("/api/") or (
        request.headers.get("x-requested-with") == "XMLHttpRequest"
        or "application/json" in request.headers.get("accept", "")
    )
    if wants_json:
        response: HttpResponse = JsonResponse(
            {"code": "signin_locked_out", "message": message, "fields": {}}, status=429
        )
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
