from django.apps import AppConfig
from django.utils.translation import gettext_noop


def _recurring_run(job, progress) -> dict:
    from .services.recurring_generate import recurring_invoices_generate

    return recurring_invoices_generate(
        legal_entities=list(job.legal_entities.order_by("code")),
        up_to=job.as_of,
        actor=job.started_by,
        job=job,
        progress=progress,
    )


def _interest_run(job, progress) -> dict:
    from .services.interest_run import interest_notes_create

    return interest_notes_create(
        legal_entities=list(job.legal_entities.order_by("code")),
        as_of=job.as_of,
        actor=job.started_by,
        job=job,
        progress=progress,
    )


def _recurring_results(job) -> str:
    from django.urls import reverse

    return f"{reverse('recurring-list')}?job={job.pk}"


def _interest_results(job) -> str:
    from django.urls import reverse

    return f"{reverse('interest-note-list')}?job={job.pk}"


class ReceivablesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "receivables"

    def ready(self) -> None:
        from core.jobs import job_kind_register
        from core.roles import AR_CLERK, COLLECTIONS_MANAGER, INTEGRATOR, role_models_register
        from ledger.sources import voucher_source_register

        from .ar_close import ar_close_blocker_register
        from .journal_selectors import payment_journals_blocking
        from .links import VOUCHER_SOURCES, interest_notes_made, recurring_invoices_made

        role_models_register(
            roles=[AR_CLERK, COLLECTIONS_MANAGER, INTEGRATOR],
            app_label="receivables",
            models=[
                "invoice",
                "creditnote",
                "payment",
                "paymentjournal",
                "recurringinvoicetemplate",
                "recurringinvoiceassignment",
                "interestnote",
            ],
        )

        # Payment journals not posted stand in the way of closing accounts receivable.
        ar_close_blocker_register(payment_journals_blocking)
        job_kind_register(
            kind="recurring_invoices",
            label=gettext_noop("Recurring invoices"),
            run=_recurring_run,
            results_url=_recurring_results,
            outputs=recurring_invoices_made,
            days_ahead=366,  # invoices may be generated ahead, up to a year
        )
        job_kind_register(
            kind="interest_notes",
            label=gettext_noop("Interest notes"),
            run=_interest_run,
            results_url=_interest_results,
            outputs=interest_notes_made,
        )
        # The voucher page links to the document that posted it.
        for prefix, resolve in VOUCHER_SOURCES.items():
            voucher_source_register(prefix=prefix, resolve=resolve)

        # The lists whose filters a user may save, with the query parameters that filter them.
        from core.lists import filtered_list_register

        filtered_list_register(key="customers", label="Customers", parameters=("q", "entity"))
        filtered_list_register(key="invoices", label="Invoices", parameters=("status",))
        filtered_list_register(key="credit_notes", label="Credit notes", parameters=("status",))
        filtered_list_register(key="payments", label="Payments", parameters=())
        filtered_list_register(
            key="interest_notes", label="Interest notes", parameters=("status", "job")
        )
