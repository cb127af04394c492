"""Writes of the settlement room: ``settlement_create`` (one database transaction for every
voucher in every entity and every open-amount change; ``settlements_create`` many of them at
once), ``settlement_reverse``, ``reimburse``, ``invoice_correct`` (a credit note of
an invoice settled against it, and a draft copy),
and ``settlement_preview`` (the same computation without writing, for the Settle transactions
page)."""

from .correction import InvoiceCorrected, invoice_correct
from .create import SettlementRequest, reimburse, settlement_create, settlements_create
from .plan import SettlementLineInput, SettlementPlan, settlement_preview
from .reversal import settlement_reverse, settlement_reverse_guard_register

__all__ = [
    "InvoiceCorrected",
    "invoice_correct",
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
