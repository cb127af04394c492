"""Errors of the ledger room. The fiscal period's refusals, which a clerk meets at every month's
end, are in the user's language (the API's, English)."""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext

from core.errors import ApplicationError, Conflict
from core.money import currency_is_known, format_amount


class VoucherUnbalanced(ApplicationError):
    code = "voucher_unbalanced"

    def __init__(self, *, currency: str, difference: Decimal, accounting: bool = False) -> None:
        what = "accounting amounts" if accounting else "amounts"
        shown = format_amount(difference, currency) if currency_is_known(currency) else difference
        super().__init__(
            f"The voucher does not balance: its {what} in {currency} sum to {shown}, not zero.",
            field="lines",
            extra={"currency": currency, "difference": str(shown), "accounting": accounting},
        )
        self.currency = currency
        self.difference = difference


class PeriodClosed(ApplicationError):
    code = "period_not_open"

    def __init__(self, *, legal_entity: str, on: date, status: str) -> None:
        values = {"entity": legal_entity, "date": on, "status": status}
        if status == "closed":
            message = gettext(
                "The fiscal period of %(entity)s containing %(date)s is closed: "
                "nothing can be posted into it."
            )
        else:
            message = gettext(
                "The fiscal period of %(entity)s containing %(date)s is %(status)s: "
                "nothing can be posted into it."
            )
        super().__init__(
            message % values,
            field="date",
            extra={"legal_entity": legal_entity, "date": str(on), "status": status},
        )


class PeriodMissing(ApplicationError):
    code = "period_missing"

    def __init__(self, *, legal_entity: str, on: date) -> None:
        super().__init__(
            gettext(
                "Legal entity %(entity)s has no fiscal period containing %(date)s: open the "
                "fiscal year %(year)s first."
            )
            % {"entity": legal_entity, "date": on, "year": on.year},
            field="date",
            extra={"legal_entity": legal_entity, "date": str(on)},
        )


class FiscalYearExists(Conflict):
    code = "fiscal_year_exists"

    def __init__(self, *, legal_entity: str, year: int) -> None:
        super().__init__(
            f"Legal entity {legal_entity} already has fiscal periods in {year}.",
            field="year",
            extra={"legal_entity": legal_entity, "year": year},
        )


class PostingSetupMissing(ApplicationError):
    code = "posting_setup_missing"

    def __init__(self, *, legal_entity: str, posting_type: str) -> None:
        super().__init__(
            f"Legal entity {legal_entity} has no account for posting type {posting_type}.",
            field="lines",
            extra={"legal_entity": legal_entity, "posting_type": posting_type},
        )


class InvalidPosting(ApplicationError):
    code = "invalid_posting"


class VoucherAlreadyReversed(Conflict):
    code = "voucher_already_reversed"
