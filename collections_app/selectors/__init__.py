"""Reads of the collections room: aging period sets and the aging snapshot lines a user may see
(``aging``), the collections page (``collections``) and a customer's collections view
(``customers``)."""

from .aging import (
    LEVELS,
    LINE_ORDERINGS,
    ORDERINGS,
    User,
    aging_customer_lines_for_user,
    aging_party_lines_for_user,
    aging_period_set_get,
    aging_period_sets,
    aging_row_buckets,
    aging_snapshot_for_entity,
    aging_snapshot_lines,
    aging_snapshot_totals,
    aging_snapshots_for_user,
)
from .collections import (
    COLLECTIONS_ORDERINGS,
    CountedRows,
    collections_lines,
    collections_party_rows,
    collections_rows,
    collections_totals,
    party_first_customers,
)
from .customers import (
    collections_agent_by_username,
    collections_customer_for_user,
    collections_customer_overview,
    collections_transaction_for_user,
    live_aging,
    open_dispute_for_user,
    party_open_items,
)

__all__ = [
    "COLLECTIONS_ORDERINGS",
    "LEVELS",
    "LINE_ORDERINGS",
    "ORDERINGS",
    "CountedRows",
    "User",
    "aging_customer_lines_for_user",
    "aging_party_lines_for_user",
    "aging_period_set_get",
    "aging_period_sets",
    "aging_row_buckets",
    "aging_snapshot_for_entity",
    "aging_snapshot_lines",
    "aging_snapshot_totals",
    "aging_snapshots_for_user",
    "collections_agent_by_username",
    "collections_customer_for_user",
    "collections_customer_overview",
    "collections_lines",
    "collections_party_rows",
    "collections_rows",
    "collections_totals",
    "collections_transaction_for_user",
    "live_aging",
    "open_dispute_for_user",
    "party_first_customers",
    "party_open_items",
]
