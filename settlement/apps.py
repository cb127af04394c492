from django.apps import AppConfig


class SettlementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "settlement"

    def ready(self) -> None:
        from core.links import related_links_register
        from core.roles import AR_CLERK, COLLECTIONS_MANAGER, INTEGRATOR, role_models_register
        from ledger.sources import voucher_source_register
        from receivables.ar_close import open_items_taken_register
        from receivables.services import invoice_correct_guard_register, journal_settler_register

        from .links import VOUCHER_SOURCES, settlements_of_open_transaction
        from .selectors import settled_accounting_as_of
        from .services import settlement_reverse_guard_register
        from .services.correction import correction_settlement_guard, invoice_settled_by
        from .services.journals import payment_journal_settle

        role_models_register(
            roles=[AR_CLERK, COLLECTIONS_MANAGER, INTEGRATOR],
            app_label="settlement",
            models=["settlement"],
        )
        # A settled invoice is not corrected (its settlements are named); the settlement of a
        # correction is not reversed on its own.
        invoice_correct_guard_register(invoice_settled_by)
        settlement_reverse_guard_register(correction_settlement_guard)
        # The AR close computes the open items as of a period's end.
        open_items_taken_register(settled_accounting_as_of)
        # An open transaction's page lists the settlements that touched it; a settlement
        # voucher's page links to its settlement.
        related_links_register(
            model="receivables.OpenTransaction", provider=settlements_of_open_transaction
        )
        for prefix, resolve in VOUCHER_SOURCES.items():
            voucher_source_register(prefix=prefix, resolve=resolve)

        # The list whose filters a user may save (it has no filter parameters yet).
        from core.lists import filtered_list_register

        filtered_list_register(key="settlements", label="Settlements", parameters=())

        # What a payment journal's lines mark is settled with the journal.
        journal_settler_register(payment_journal_settle)
