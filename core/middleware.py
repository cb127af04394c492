"""Sign-in is required for every page but the sign-in page itself; the language a page is
written in.

The API and its schema authenticate on their own (token or session) and answer 401/403 in JSON,
so they are left to DRF; the admin has its own sign-in page. The API docs page redirects to
sign-in like any page.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import translation

OPEN_PREFIXES = ("/api/v1/", "/api/schema/", "/admin/", "/accounts/login/", "/healthz")


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        static = (
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else "/" + settings.STATIC_URL
        )
        if (
            request.user.is_authenticated
            or path.startswith(OPEN_PREFIXES)
            or path.startswith(static)
        ):
            return self.get_response(request)
        return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))


# The language a signed-in user chose, kept in the session when they sign in or change it (so
# no page reads the preference again); the entities room owns the preference itself.
LANGUAGE_SESSION_KEY = "_language"
API_PREFIXES = ("/api/",)


class LanguageMiddleware:
    """After ``LocaleMiddleware`` and authentication: the API always answers in English (its
    messages and field names are a contract, whatever the client's Accept-Language), and a
    signed-in user's chosen language wins over the browser's for every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = None
        if request.path_info.startswith(API_PREFIXES):
            language = settings.LANGUAGE_CODE
        elif request.user.is_authenticated:
            chosen = request.session.get(LANGUAGE_SESSION_KEY)
            if chosen in dict(settings.LANGUAGES):
                language = chosen
        if language is not None:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
