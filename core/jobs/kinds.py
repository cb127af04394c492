"""The registry of job kinds: each app registers the kinds it runs (with their ``run``
function, and ``outputs``: links to what a run made) when it is ready, as Django apps register
admin classes; core names none of them."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.links import Link
from core.models import Job

from .progress import JobProgress


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: str
    run: Callable[[Job, JobProgress], dict[str, Any]]
    results_url: Callable[[Job], str] | None = None  # where the browser shows what it made
    days_ahead: int = 0  # how far past today its as-of date may be
    # outputs(job, user): links to what the job made that the user may see, at most
    # JOB_OUTPUTS_SHOWN of them (results_url lists them all).
    outputs: Callable[[Job, Any], list[Link]] | None = None


JOB_OUTPUTS_SHOWN = 50

_KINDS: dict[str, JobKind] = {}


def job_kind_register(
    *,
    kind: str,
    label: str,
    run: Callable[[Job, JobProgress], dict],
    results_url: Callable[[Job], str] | None = None,
    days_ahead: int = 0,
    outputs: Callable[[Job, Any], list[Link]] | None = None,
) -> None:
    _KINDS[kind] = JobKind(
        kind=kind,
        label=label,
        run=run,
        results_url=results_url,
        days_ahead=days_ahead,
        outputs=outputs,
    )


def job_kinds() -> dict[str, JobKind]:
    return dict(_KINDS)
