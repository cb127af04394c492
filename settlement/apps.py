from django.apps import AppConfig


class SettlementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "settlement"

    def ready(self) -> None:
        from core.roles import AR_CLERK, COLLECTIONS_MANAGER, INTEGRATOR, role_models_register

        role_models_register(
            roles=[AR_CLERK, COLLECTIONS_MANAGER, INTEGRATOR],
            app_label="settlement",
            models=["settlement"],
        )
