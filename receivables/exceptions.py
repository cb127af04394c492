"""Errors of the receivables room."""

from core.errors import ApplicationError, Conflict


class InvalidDocument(ApplicationError):
    code = "invalid_document"


class CustomerBlocked(ApplicationError):
    code = "customer_blocked"

    def __init__(self, customer, *, field: str = "customer") -> None:
        super().__init__(
            f"Customer {customer.account} in {customer.legal_entity.code} is blocked.",
            field=field,
        )


class InvalidTransition(ApplicationError):
    """E.g. posting a document twice: a 400 naming the status."""

    code = "invalid_status_transition"


class DocumentSettled(Conflict):
    code = "document_settled"


class InvoiceAlreadyCorrected(Conflict):
    """Correcting an invoice a second time: its credit note and correcting invoice exist."""

    code = "invoice_already_corrected"


class InterestChargedAgain(Conflict):
    """Reinstating a waived interest note whose days a later note has charged again."""

    code = "interest_charged_again"


class OpenAmountExceeded(ApplicationError):
    """Giving an open transaction back more than its amount: what is given back was never
    taken off it."""

    code = "open_amount_exceeded"

    def __init__(self, open_transaction) -> None:
        super().__init__(
            f"Transaction {open_transaction.document_number} would reopen above its amount.",
            extra={"transaction": open_transaction.pk},
        )
        self.open_transaction = open_transaction


class ArCloseBlocked(Conflict):
    """The period has blockers: clear them first (or an administrator overrides them)."""

    code = "ar_close_blocked"

    def __init__(self, period, blockers: list) -> None:
        count = len(blockers)
        super().__init__(
            f"Accounts receivable of {period.legal_entity.code} for {period.name} cannot be "
            f"closed: {count} thing{'s' if count != 1 else ''} to clear first. "
            + " ".join(b.message for b in blockers[:3])
            + (" …" if count > 3 else ""),
            field="period",
            extra={
                "blockers": [
                    {"kind": b.kind, "message": b.message, "url": b.url, "object_id": b.object_id}
                    for b in blockers
                ]
            },
        )
        self.blockers = blockers


class PeriodAlreadyClosed(Conflict):
    code = "period_already_closed"
