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
