from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "entities"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
