"""Errors of the banking room, in the project's one exception tree."""

from core.errors import ApplicationError, Conflict, InvalidInput


class StatementAlreadyImported(Conflict):
    """The bank account already holds this statement (same identifier, or the same file)."""


class StatementInvalid(InvalidInput):
    """The statement does not belong to the bank account (IBAN, currency)."""


class LineInvalid(InvalidInput):
    """A statement line cannot be changed or posted as asked."""


class LineConflict(Conflict):
    """What a line marked was settled meanwhile, or another line of its statement took it."""


class CardPaymentInvalid(InvalidInput):
    """A card payment cannot be authorized, captured, voided or refunded as asked."""


class CardGatewayRefused(ApplicationError):
    """The gateway declined or could not process a call; its answer is recorded."""

    code = "card_refused"
    http_status = 402


class MandateInvalid(InvalidInput):
    """A direct debit mandate's data is refused (IBAN, BIC, reference, dates, customer)."""


class MandateTransitionInvalid(InvalidInput):
    """A mandate's status cannot change as asked (see the map of allowed transitions)."""

    code = "invalid_transition"


class CollectionInvalid(InvalidInput):
    """A direct debit collection run cannot start or post as asked."""


class CollectionConflict(Conflict):
    """Another run (or a settlement) holds the debits this run would collect."""


class BillInvalid(InvalidInput):
    """A bill of exchange cannot be drawn or moved a step as asked (the field says why)."""

    code = "bill_invalid"


class BillStepNotAllowed(Conflict):
    """The step does not follow from the bill's status; the allowed steps are named."""

    code = "bill_step_not_allowed"
