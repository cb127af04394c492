"""Writes of the collections room: aging period sets and aging snapshots; the collections
manager's work on customers (``work``).

An aging snapshot ages the open transactions of one legal entity as of a date, per customer, in
the entity's accounting currency; the party-level snapshot then sums the entity snapshots of the
same date per party and currency.
"""

from .periods import (
    DEFAULT_BUCKETS,
    DEFAULT_PERIOD_SET_CODE,
    AgingBucketInput,
    aging_buckets_validate,
    aging_period_set_check,
    aging_period_set_default_ensure,
    aging_period_set_save,
)
from .snapshots import (
    CHUNK_SIZE,
    aging_party_snapshot_create,
    aging_snapshot_create,
    aging_snapshot_job_run,
)
from .work import (
    ActivityInput,
    activity_done,
    activity_log,
    collections_agent_assign,
    credit_hold_set,
    customer_pool_save,
    dispute_open,
    dispute_resolve,
    letter_send,
    pool_criteria_validate,
    write_off_create,
)

__all__ = [
    "ActivityInput",
    "activity_done",
    "activity_log",
    "collections_agent_assign",
    "credit_hold_set",
    "customer_pool_save",
    "dispute_open",
    "dispute_resolve",
    "letter_send",
    "pool_criteria_validate",
    "write_off_create",
    "CHUNK_SIZE",
    "DEFAULT_BUCKETS",
    "DEFAULT_PERIOD_SET_CODE",
    "AgingBucketInput",
    "aging_buckets_validate",
    "aging_party_snapshot_create",
    "aging_period_set_check",
    "aging_period_set_default_ensure",
    "aging_period_set_save",
    "aging_snapshot_create",
    "aging_snapshot_job_run",
]
