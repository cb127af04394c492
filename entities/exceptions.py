"""Errors of the entities room: rates, grants and group-wide data."""

from core.errors import ApplicationError


class ExchangeRateMissing(ApplicationError):
    code = "exchange_rate_missing"

    def __init__(self, from_currency: str, to_currency: str, on: object, *, field: str = "date"):
        super().__init__(
            f"No exchange rate {from_currency}→{to_currency} on {on}.",
            field=field,
            extra={"from_currency": from_currency, "to_currency": to_currency, "date": str(on)},
        )


class EntityAccessDenied(ApplicationError):
    code = "legal_entity_not_granted"
    http_status = 403

    def __init__(self, legal_entity_code: str, *, field: str | None = "legal_entity") -> None:
        super().__init__(
            f"You may not act in legal entity {legal_entity_code}.",
            field=field,
            extra={"legal_entity": legal_entity_code},
        )


class GroupDataDenied(ApplicationError):
    """Group-wide data (parties, contacts, exchange rates) changed without the steward role or a
    grant on every legal entity concerned."""

    code = "group_data_not_granted"
    http_status = 403


class SavedFilterNotFound(ApplicationError):
    """A saved filter that does not exist or that the user does not see (another user's private
    filter, or one of a legal entity they are not granted): the same answer for both."""

    code = "not_found"
    http_status = 404

    def __init__(self) -> None:
        super().__init__("No such saved filter.")
