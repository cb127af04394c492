"""Errors of the banking room, in the project's one exception tree."""

from core.errors import Conflict, InvalidInput


class StatementAlreadyImported(Conflict):
    """The bank account already holds this statement (same identifier, or the same file)."""


class StatementInvalid(InvalidInput):
    """The statement does not belong to the bank account (IBAN, currency)."""


class LineInvalid(InvalidInput):
    """A statement line cannot be changed or posted as asked."""


class LineConflict(Conflict):
    """What a line marked was settled meanwhile, or another line of its statement took it."""


class BillInvalid(InvalidInput):
    """A bill of exchange cannot be drawn or moved a step as asked (the field says why)."""

    code = "bill_invalid"


class BillStepNotAllowed(Conflict):
    """The step does not follow from the bill's status; the allowed steps are named."""

    code = "bill_step_not_allowed"
