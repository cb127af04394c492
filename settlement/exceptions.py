"""Errors of the settlement room."""

from entities.exceptions import ApplicationError, Conflict


class SettlementInvalid(ApplicationError):
    code = "settlement_invalid"


class SettlementConflict(Conflict):
    code = "settlement_conflict"


class SettlementAlreadyReversed(Conflict):
    code = "settlement_already_reversed"
