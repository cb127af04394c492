"""Celery tasks of the platform: the runner of every long job, and its reaper.

Their names keep the ``entities.`` prefix they had before the platform left the entities room:
messages already queued and django-celery-beat's periodic task rows carry those names, and a
renamed task would leave them unknown to the workers."""

from celery import shared_task


@shared_task(name="entities.job_run", bind=True, acks_late=True, reject_on_worker_lost=True)
def job_run(self, job_id: int) -> str | None:
    """Run (or take over) a job; the job's own row records its progress and result."""
    from core.jobs import job_run as job_run_service

    job = job_run_service(job_id=job_id, worker=self.request.hostname)
    return job.state if job is not None else None


@shared_task(name="entities.job_scheduled", bind=True)
def job_scheduled(self, kind: str, parameters: dict | None = None) -> str | None:
    """Beat's entry: start a job of ``kind`` for every legal entity as of today and run it here.
    When one is already running for an entity, this run is skipped (the next one catches up)."""
    import logging

    from django.apps import apps
    from django.conf import settings
    from django.utils import timezone

    from core.jobs import JobAlreadyRunning, job_start
    from core.jobs import job_run as job_run_service

    legal_entity_model = apps.get_model(settings.LEGAL_ENTITY_MODEL)
    entities = list(legal_entity_model.objects.order_by("code"))
    if not entities:
        return None
    try:
        job = job_start(
            kind=kind,
            legal_entities=entities,
            as_of=timezone.localdate(),
            actor=None,
            parameters=parameters or {},
            enqueue=False,
        )
    except JobAlreadyRunning as exc:
        logging.getLogger(__name__).warning("Scheduled %s skipped: %s", kind, exc.message)
        return None
    job = job_run_service(job_id=job.pk, worker=self.request.hostname)
    return job.state if job is not None else None


@shared_task(name="entities.jobs_reap")
def jobs_reap() -> list[int]:
    """Beat's entry, every JOB_REAPER_INTERVAL_SECONDS: queue again the jobs whose worker went
    silent (see ``core.jobs.jobs_reap``)."""
    from core.jobs import jobs_reap as jobs_reap_service

    return jobs_reap_service()
