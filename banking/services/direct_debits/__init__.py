"""SEPA direct debits (SPEC section 11): mandates, collection runs with their pain.008 file,
and what a returned collection does to its mandate."""

from .collections import (
    COLLECTION_JOB,
    collection_failed_record,
    collection_job_run,
    collection_preview,
    collection_run,
    collection_scope,
    collection_start,
)
from .mandates import (
    TRANSITIONS,
    mandate_cancel,
    mandate_create,
    mandate_delete,
    mandate_return_record,
    mandate_update,
    mandates_expire,
)
from .plan import CollectionItem, PlanSummary
from .rules import is_business_day, next_business_day, sepa_reference_problem

__all__ = [
    "COLLECTION_JOB",
    "TRANSITIONS",
    "CollectionItem",
    "PlanSummary",
    "collection_failed_record",
    "collection_job_run",
    "collection_preview",
    "collection_run",
    "collection_scope",
    "collection_start",
    "is_business_day",
    "mandate_cancel",
    "mandate_create",
    "mandate_delete",
    "mandate_return_record",
    "mandate_update",
    "mandates_expire",
    "next_business_day",
    "sepa_reference_problem",
]
