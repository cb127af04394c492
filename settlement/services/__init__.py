"""Writes of the settlement room: ``settlement_create`` (one database transaction for every
voucher in every entity and every open-amount change; ``settlements_create`` many of them at
once), ``settlement_reverse``, ``reimburse``,
and ``settlement_preview`` (the same computation without writing, for the Settle transactions
page)."""

from .create import SettlementRequest, reimburse, settlement_create, settlements_create
from .plan import SettlementLineInput, SettlementPlan, settlement_preview
from .reversal import settlement_reverse, settlement_reverse_guard_register

__all__ = [
    "SettlementLineInput",
    "reimburse",
    "SettlementPlan",
    "settlement_create",
    "SettlementRequest",
    "settlements_create",
    "settlement_preview",
    "settlement_reverse",
    "settlement_reverse_guard_register",
]
