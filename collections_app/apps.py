from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    from entities.roles import roles_sync

    roles_sync(using=kwargs.get("using", "default"))


class CollectionsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "collections_app"
    verbose_name = "Collections"

    def ready(self) -> None:
        # This app migrates last, so every app's permissions exist when its signal comes.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="roles_sync")
