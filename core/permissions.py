"""API permissions: authenticated users read; writes need the model's Django permission (given
through the AR clerk, collections manager and integrator groups). Which legal entities a user
may act in is checked by the services and by the querysets each API filters."""

from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated


class ModelPermissionsOrReadOnly(DjangoModelPermissions):
    perms_map = {
        "GET": [],
        "OPTIONS": [],
        "HEAD": [],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if getattr(view, "queryset", None) is None and not hasattr(view, "get_queryset"):
            return True
        return super().has_permission(request, view)


class Authenticated(IsAuthenticated):
    """For business operations whose service checks the rights itself."""


def role_required_for_writes(perm):
    """Browser views: a POST needs the role's model permission (``perm``, or a function of the
    view's keyword arguments giving it), as the API asks; reading needs only the grants."""
    from functools import wraps

    from django.core.exceptions import PermissionDenied

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            needed = perm(kwargs) if callable(perm) else perm
            if request.method == "POST" and not request.user.has_perm(needed):
                raise PermissionDenied("Your role may not do this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
