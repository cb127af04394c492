from django.apps import AppConfig


def _customer_has_postings(customer) -> str | None:
    from .models import LedgerEntry

    if LedgerEntry.objects.filter(customer=customer).exists():
        return "The customer has postings: it cannot move to another party."
    return None


class LedgerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ledger"

    def ready(self) -> None:
        from core.roles import INTEGRATOR, role_models_register
        from entities.services import customer_party_change_guard_register

        customer_party_change_guard_register(_customer_has_postings)

        # Integrators posting historical documents open those fiscal years first.
        role_models_register(
            roles=[INTEGRATOR], app_label="ledger", models=["voucher", "fiscalperiod"]
        )

        # The list whose filters a user may save (it has no filter parameters yet).
        from core.lists import filtered_list_register

        filtered_list_register(key="vouchers", label="Vouchers", parameters=())
