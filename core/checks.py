"""System checks of the long jobs' settings (``manage.py check``)."""

from django.conf import settings
from django.core.checks import Error, Warning, register


@register("jobs")
def job_recovery_settings(app_configs, **kwargs) -> list:
    """The reaper, the stale limit and Redis's visibility timeout must fit together."""
    problems = []
    stale = settings.JOB_STALE_AFTER_SECONDS
    if settings.JOB_HEARTBEAT_ROWS < 1:
        problems.append(
            Error("JOB_HEARTBEAT_ROWS must be at least 1.", id="entities.E001"),
        )
    if settings.JOB_REAPER_INTERVAL_SECONDS < 1 or stale <= settings.JOB_REAPER_INTERVAL_SECONDS:
        problems.append(
            Error(
                "JOB_REAPER_INTERVAL_SECONDS must be at least 1 and shorter than "
                "JOB_STALE_AFTER_SECONDS.",
                id="entities.E002",
            )
        )
    visibility = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get(
        "visibility_timeout"
    )
    if visibility is not None and visibility <= stale:
        problems.append(
            Warning(
                f"CELERY_VISIBILITY_TIMEOUT ({visibility} s) is not longer than "
                f"JOB_STALE_AFTER_SECONDS ({stale} s): Redis would deliver the tasks of running "
                "jobs again before a dead one could count as stale.",
                id="entities.W001",
            )
        )
    return problems
