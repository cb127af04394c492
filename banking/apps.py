from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "banking"
    verbose_name = "Banking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.jobs import job_kind_register

        from .services.matching import MATCH_JOB_KIND, statement_match_job_run

        # No results page yet: the statement's page comes with the banking pages.
        job_kind_register(
            kind=MATCH_JOB_KIND, label="Bank statement matching", run=statement_match_job_run
        )
