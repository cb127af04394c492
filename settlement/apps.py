from django.apps import AppConfig


class SettlementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "settlement"

    def ready(self) -> None:
        from core.roles import AR_CLERK, COLLECTIONS_MANAGER, INTEGRATOR, role_models_register
        from receivables.services import invoice_correct_guard_register

        from .services import settlement_reverse_guard_register
        from .services.correction import correction_settlement_guard, invoice_settled_by

        role_models_register(
            roles=[AR_CLERK, COLLECTIONS_MANAGER, INTEGRATOR],
            app_label="settlement",
            models=["settlement"],
        )
        # A settled invoice is not corrected (its settlements are named); the settlement of a
        # correction is not reversed on its own.
        invoice_correct_guard_register(invoice_settled_by)
        settlement_reverse_guard_register(correction_settlement_guard)
