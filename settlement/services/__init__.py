"""Writes of the settlement room: ``settlement_create`` (one database transaction for every
voucher in every entity and every open-amount change), ``settlement_reverse``, ``reimburse``,
and ``settlement_preview`` (the same computation without writing, for the Settle transactions
page)."""

from .create import reimburse, settlement_create
from .plan import SettlementLineInput, SettlementPlan, settlement_preview
from .reversal import settlement_reverse, settlement_reverse_guard_register

__all__ = [
    "SettlementLineInput",
    "reimburse",
    "SettlementPlan",
    "settlement_create",
    "settlement_preview",
    "settlement_reverse",
    "settlement_reverse_guard_register",
]
