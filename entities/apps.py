from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "entities"

    def ready(self) -> None:
        from core.access import access_check_register

        from .services import ensure_can_act

        access_check_register(ensure_can_act)
