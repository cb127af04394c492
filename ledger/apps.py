from django.apps import AppConfig


class LedgerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ledger"

    def ready(self) -> None:
        from core.roles import INTEGRATOR, role_models_register

        # Integrators posting historical documents open those fiscal years first.
        role_models_register(
            roles=[INTEGRATOR], app_label="ledger", models=["voucher", "fiscalperiod"]
        )
