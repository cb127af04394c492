from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The platform every app builds on: database helpers, money, errors, the API base,
    idempotency, roles, audit and long jobs. It names no app above it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
        from .roles import (
            AR_CLERK,
            COLLECTIONS_MANAGER,
            INTEGRATOR,
            role_models_register,
            roles_sync_after_migrate_connect,
        )

        roles_sync_after_migrate_connect()
        # Who may start, retry and watch the long jobs.
        role_models_register(
            roles=[AR_CLERK, COLLECTIONS_MANAGER, INTEGRATOR], app_label="core", models=["job"]
        )
