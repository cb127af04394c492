"""Errors of the collections room."""

from core.errors import Conflict, InvalidInput


class AgingBucketsOverlap(InvalidInput):
    """Two buckets of an aging period set hold the same day count."""

    code = "aging_buckets_overlap"


class AgingBucketsGap(InvalidInput):
    """Some day count falls in no bucket of an aging period set."""

    code = "aging_buckets_gap"


class AgingPeriodSetUnknown(InvalidInput):
    code = "aging_period_set_unknown"


class ExportNeedsJob(Conflict):
    """An XLSX export too large to write in the request: it is started, as a job, by a POST
    (a GET never starts work)."""

    code = "export_needs_job"

    def __init__(self, rows: int, limit: int) -> None:
        super().__init__(
            f"The export has {rows} rows, more than the {limit} written at once: POST the same "
            "request to write it in the background.",
            extra={"rows": rows, "limit": limit},
        )
