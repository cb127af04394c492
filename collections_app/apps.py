from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _default_aging_periods(sender, **kwargs):
    # The data migration creates them; a flush (tests that commit) removes them again.
    from .services import aging_period_set_default_ensure

    try:
        kwargs["apps"].get_model("collections_app", "AgingPeriodSet")
    except (KeyError, LookupError):
        return  # migrated back below the model
    if kwargs.get("using", "default") == "default":
        from .services.letters import letter_steps_default_ensure

        aging_period_set_default_ensure()
        letter_steps_default_ensure()


def _aging_results_url(job) -> str:
    from django.urls import reverse

    return f"{reverse('aging')}?as_of={job.as_of.isoformat()}"


def _statements_results_url(job) -> str:
    from django.urls import reverse

    return f"{reverse('customer-statements')}?job={job.pk}"


def _export_results_url(job) -> str:
    from django.urls import reverse

    return reverse("collections-export-download", args=[job.pk])


class CollectionsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "collections_app"
    verbose_name = "Collections"

    def ready(self) -> None:
        from core.jobs import job_kind_register
        from core.roles import AR_CLERK, COLLECTIONS_MANAGER, role_models_register
        from receivables.ar_close import open_items_taken_register

        from .links import aging_snapshots_made
        from .selectors.write_offs import written_off_accounting_as_of
        from .services import aging_snapshot_job_run
        from .services.exports import EXPORT_XLSX, collections_export_job_run
        from .services.statements import STATEMENTS_JOB, pool_statements_job_run

        role_models_register(
            roles=[COLLECTIONS_MANAGER],
            app_label="collections_app",
            models=[
                "activity",
                "dispute",
                "collectionletter",
                "writeoff",
                "customerpool",
                "customerstatement",
            ],
        )
        # Clerks send statements too (with invoices, on request).
        role_models_register(
            roles=[AR_CLERK], app_label="collections_app", models=["customerstatement"]
        )
        # The AR close computes the open items as of a period's end.
        open_items_taken_register(written_off_accounting_as_of)
        post_migrate.connect(_default_aging_periods, sender=self, dispatch_uid="aging_periods")
        job_kind_register(
            kind="aging_snapshot",
            label="Aging snapshot",
            run=aging_snapshot_job_run,
            results_url=_aging_results_url,
            outputs=aging_snapshots_made,
        )
        job_kind_register(
            kind=EXPORT_XLSX,
            label="Collections export (XLSX)",
            run=collections_export_job_run,
            results_url=_export_results_url,
        )
        job_kind_register(
            kind=STATEMENTS_JOB,
            label="Customer statements (pool)",
            run=pool_statements_job_run,
            results_url=_statements_results_url,
        )

        # The list whose filters a user may save, with the query parameters that filter it.
        from core.lists import filtered_list_register

        filtered_list_register(
            key="collections",
            label="Collections",
            parameters=("pool", "legal_entity", "view", "currency", "agent", "ordering"),
        )
