"""Sign-in is required for every page but the sign-in page itself.

The API and its schema authenticate on their own (token or session) and answer 401/403 in JSON,
so they are left to DRF; the admin has its own sign-in page. The API docs page redirects to
sign-in like any page.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

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
