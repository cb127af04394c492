"""The links the collections room registers with lower rooms: a job's page lists the aging
snapshots it made (``core.jobs``)."""

from urllib.parse import urlencode

from django.urls import reverse

from core.jobs import JOB_OUTPUTS_SHOWN
from core.links import Link

from .selectors import aging_snapshots_for_user


def aging_snapshots_made(job, user) -> list[Link]:
    snapshots = (
        aging_snapshots_for_user(user)
        .filter(job=job, legal_entity__isnull=False)
        .order_by("legal_entity__code", "period_set__code")
    )
    query = {"as_of": job.as_of.isoformat()}
    return [
        Link(
            kind="Aging snapshot",
            label=f"{s.legal_entity.code} as of {s.as_of.isoformat()}",
            url=f"{reverse('aging')}?{urlencode({**query, 'period_set': s.period_set.code})}",
            note=f"{s.period_set.code} · {s.line_count} customer{'' if s.line_count == 1 else 's'}",
        )
        for s in snapshots[:JOB_OUTPUTS_SHOWN]
    ]
