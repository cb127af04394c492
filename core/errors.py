"""The one exception tree of the project; every domain error is an ``ApplicationError``.

The API's exception handler maps these to ``{"code", "message", "fields"}`` with their HTTP
status; browser views show ``message`` beside the field named in ``fields``.
"""

from typing import Any


class ApplicationError(Exception):
    code = "error"
    http_status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        field: str | None = None,
        fields: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self._fields = fields
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status
        self.field = field
        self.extra = extra or {}

    @property
    def fields(self) -> dict[str, Any]:
        if self._fields is not None:
            return self._fields
        return {self.field: [self.message]} if self.field else {}


class UnknownCurrency(ApplicationError):
    code = "unknown_currency"

    def __init__(self, currency: object, *, field: str = "currency") -> None:
        super().__init__(
            f"Unknown currency {currency!r}: use an ISO 4217 code such as EUR or USD.",
            field=field,
            extra={"currency": str(currency)},
        )


class InvalidInput(ApplicationError):
    code = "invalid"


class Conflict(ApplicationError):
    code = "conflict"
    http_status = 409
