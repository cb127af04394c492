"""The groups users are put in (roles) and what each may change: Django model permissions.
Which legal entities a user may act in is a separate grant, kept by the entities room.

Core names no app: every app registers, in its ``AppConfig.ready()``, the models each role may
add, change and view, and any further permission a role has, as apps register admin classes.
``roles_sync`` then gives each group exactly the registered permissions; it runs after
``migrate``, once every app's permissions exist."""

from collections.abc import Iterable

from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_migrate

AR_CLERK = "AR clerk"
COLLECTIONS_MANAGER = "Collections manager"
INTEGRATOR = "Integrator"
GROUP_DATA_STEWARD = "Group data steward"
ROLES = (AR_CLERK, COLLECTIONS_MANAGER, INTEGRATOR, GROUP_DATA_STEWARD)

_ACTIONS = ("add", "change", "view")
# role → {(app_label, codename)}
_registry: dict[str, set[tuple[str, str]]] = {role: set() for role in ROLES}


def role_models_register(*, roles: Iterable[str], app_label: str, models: Iterable[str]) -> None:
    """The roles may add, change and view these models of ``app_label``."""
    models = list(models)
    for role in roles:
        _registry[role] |= {(app_label, f"{a}_{m}") for m in models for a in _ACTIONS}


def role_permissions_register(*, roles: Iterable[str], permissions: Iterable[str]) -> None:
    """The roles have these further permissions (``"app_label.codename"``)."""
    for role in roles:
        _registry[role] |= {tuple(p.split(".", 1)) for p in permissions}


def role_permissions(role: str) -> set[str]:
    """What ``role`` is given, as ``"app_label.codename"``."""
    return {f"{app}.{codename}" for app, codename in _registry[role]}


def roles_sync(using: str = "default") -> None:
    """Create the role groups and give them exactly their permissions (idempotent: a permission
    a role no longer has is taken away). A registered permission that does not exist (yet) is
    skipped."""
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = []
        by_app: dict[str, list[str]] = {}
        for app_label, codename in _registry[role]:
            by_app.setdefault(app_label, []).append(codename)
        for app_label, codenames in sorted(by_app.items()):
            wanted += list(
                Permission.objects.using(using).filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )
        group.permissions.set(wanted)


def _last_app_label() -> str:
    return [c.label for c in django_apps.get_app_configs() if c.models_module is not None][-1]


def _sync_after_migrate(sender, **kwargs) -> None:
    # post_migrate comes once per app; the permissions of every app exist after the last one.
    if sender.label == _last_app_label():
        roles_sync(using=kwargs.get("using", "default"))


def roles_sync_after_migrate_connect() -> None:
    post_migrate.connect(_sync_after_migrate, dispatch_uid="core.roles_sync")
