"""Writes of the collections room: aging period sets and aging snapshots; the collections
manager's work on customers: their agent and credit hold (``profiles``), activities and promises
to pay, disputes, write-offs, collection letters and customer pools.

An aging snapshot ages the open transactions of one legal entity as of a date, per customer, in
the entity's accounting currency; the party-level snapshot then sums the entity snapshots of the
same date per party and currency.
"""

from .activities import ActivityInput, activity_done, activity_log
from .disputes import dispute_open, dispute_resolve
from .letters import letter_send, letter_steps_default_ensure
from .periods import (
    DEFAULT_BUCKETS,
    DEFAULT_PERIOD_SET_CODE,
    AgingBucketInput,
    aging_buckets_validate,
    aging_period_set_check,
    aging_period_set_default_ensure,
    aging_period_set_save,
)
from .pools import customer_pool_save, pool_criteria_validate
from .profiles import collections_agent_assign, credit_hold_set
from .snapshots import (
    CHUNK_SIZE,
    aging_party_snapshot_create,
    aging_snapshot_create,
    aging_snapshot_job_run,
)
from .write_offs import write_off_create

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
    "letter_steps_default_ensure",
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
