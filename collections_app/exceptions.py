"""Errors of the collections room."""

from entities.exceptions import InvalidInput


class AgingBucketsOverlap(InvalidInput):
    """Two buckets of an aging period set hold the same day count."""

    code = "aging_buckets_overlap"


class AgingBucketsGap(InvalidInput):
    """Some day count falls in no bucket of an aging period set."""

    code = "aging_buckets_gap"


class AgingPeriodSetUnknown(InvalidInput):
    code = "aging_period_set_unknown"
