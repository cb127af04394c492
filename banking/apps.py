from django.apps import AppConfig
from django.utils.translation import gettext_noop


def _collection_results_url(job) -> str:
    from django.urls import reverse

    return reverse("dd-collection-detail", args=[job.parameters.get("collection") or 0])


def _mandates_results_url(job) -> str:
    from django.urls import reverse

    return reverse("dd-mandate-list") + "?status=expired"


def _match_results_url(job) -> str:
    from django.urls import reverse

    statements = job.parameters.get("statements") or []
    if len(statements) == 1:
        return reverse("bank-statement-detail", args=[statements[0]])
    return reverse("bank-statement-list")


class BankingConfig(AppConfig):
    name = "banking"
    verbose_name = "Banking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.jobs import job_kind_register
        from core.roles import AR_CLERK, INTEGRATOR, role_models_register
        from ledger.sources import voucher_source_register
        from receivables.ar_close import ar_close_blocker_register
        from receivables.services import (
            invoice_correct_guard_register,
            payment_reverse_guard_register,
        )
        from settlement.services import settlement_reverse_guard_register

        from .ar_close import bank_statements_blocking
        from .links import VOUCHER_SOURCES, collection_made, statements_matched
        from .services.direct_debits import COLLECTION_JOB, collection_job_run
        from .services.direct_debits.mandates import EXPIRY_JOB, mandates_expire_job_run
        from .services.guards import invoice_card_hold, payment_owner, settlement_owner
        from .services.matching_jobs import MATCH_JOB, statements_match_job_run

        # Clerks import, match and post statements; the bank accounts themselves and their
        # CSV layouts are set up by integrators (and admins).
        role_models_register(
            roles=[AR_CLERK, INTEGRATOR],
            app_label="banking",
            models=[
                "bankstatement",
                "bankstatementline",
                "cardpayment",
                "directdebitmandate",
                "directdebitcollection",
            ],
        )
        role_models_register(
            roles=[INTEGRATOR], app_label="banking", models=["bankaccount", "csvmapping"]
        )
        # Bills of exchange are drawn and moved along by clerks, or by other systems.
        role_models_register(
            roles=[AR_CLERK, INTEGRATOR], app_label="banking", models=["billofexchange"]
        )
        # What a bill, a card or a direct debit posted is reversed by it, not by hand.
        # Statements not reconciled stand in the way of closing accounts receivable.
        ar_close_blocker_register(bank_statements_blocking)
        payment_reverse_guard_register(payment_owner)
        settlement_reverse_guard_register(settlement_owner)
        invoice_correct_guard_register(invoice_card_hold)
        job_kind_register(
            kind=MATCH_JOB,
            label=gettext_noop("Bank statement matching"),
            run=statements_match_job_run,
            results_url=_match_results_url,
            outputs=statements_matched,
        )
        job_kind_register(
            kind=COLLECTION_JOB,
            label=gettext_noop("Direct debit collection"),
            run=collection_job_run,
            results_url=_collection_results_url,
            outputs=collection_made,
        )
        job_kind_register(
            kind=EXPIRY_JOB,
            label=gettext_noop("Direct debit mandate expiry"),
            run=mandates_expire_job_run,
            results_url=_mandates_results_url,
        )
        # The page of a voucher posted from a statement line or a bill links to it.
        for prefix, resolve in VOUCHER_SOURCES.items():
            voucher_source_register(prefix=prefix, resolve=resolve)

        # The list whose filters a user may save, with the query parameters that filter it.
        from core.lists import filtered_list_register

        filtered_list_register(
            key="bank_statements", label="Bank statements", parameters=("bank_account", "status")
        )
