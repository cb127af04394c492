"""Writes of the ledger room: the one posting service every module uses (``posting``),
reversals and journal vouchers (``reversal``), number sequences (``numbers``), fiscal periods
(``periods``) and a legal entity's books (``setup``)."""

from .numbers import VOUCHER_SEQUENCE, numbers_take
from .periods import (
    FISCAL_YEARS,
    PERIOD_TRANSITIONS,
    ensure_may_manage_periods,
    fiscal_period_set_status,
    fiscal_year_create,
)
from .posting import VoucherInput, VoucherLineInput, voucher_post, vouchers_post
from .reversal import journal_voucher_post, journal_voucher_reverse, voucher_reverse
from .setup import (
    DEFAULT_ACCOUNTS,
    DUE_FROM_PREFIX,
    DUE_TO_PREFIX,
    legal_entity_create,
    legal_entity_setup_defaults,
)

__all__ = [
    "DEFAULT_ACCOUNTS",
    "DUE_FROM_PREFIX",
    "DUE_TO_PREFIX",
    "FISCAL_YEARS",
    "PERIOD_TRANSITIONS",
    "VOUCHER_SEQUENCE",
    "VoucherInput",
    "VoucherLineInput",
    "ensure_may_manage_periods",
    "fiscal_period_set_status",
    "fiscal_year_create",
    "journal_voucher_post",
    "journal_voucher_reverse",
    "legal_entity_create",
    "legal_entity_setup_defaults",
    "numbers_take",
    "voucher_post",
    "voucher_reverse",
    "vouchers_post",
]
