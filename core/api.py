"""What every API of the project shares: the error body, pagination, money fields and key
filters."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.db import BIGINT_LIMIT
from core.errors import ApplicationError
from core.money import currency_is_known, format_amount, format_decimal, has_valid_precision

MAX_ID = BIGINT_LIMIT - 1


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A filter by a key: a whole number from 1 to the largest 64-bit key, else a 400 naming
    the parameter. (SQLite cannot even bind a larger number, and 1.5 names no row.)"""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Retry safely: the same key with the same body returns the first result and "
    "posts nothing new; with another body it is a 409.",
)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


# Query parameters every list understands besides its filters.
COMMON_QUERY_PARAMETERS = frozenset({"page", "page_size", "format"})


def refuse_unknown_query_parameters(request, known) -> None:
    """400 naming every query parameter not in ``known`` (besides page, page_size, format): for
    lists that read their parameters with a serializer of their own."""
    known = set(COMMON_QUERY_PARAMETERS) | set(known)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise exceptions.ValidationError(
            {
                name: [f"Unknown query parameter; this list takes {_listed(known)}."]
                for name in unknown
            }
        )


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, refusing query parameters the list does not know (400 naming them), as
    payment APIs do: a misspelled filter must never return the whole list. A view that reads
    parameters of its own names them in ``extra_query_parameters``."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) == "list":
            self._refuse_unknown(request, queryset, view)
        return super().filter_queryset(request, queryset, view)

    def _refuse_unknown(self, request, queryset, view) -> None:
        known = set(getattr(view, "extra_query_parameters", ()))
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            known |= set(filterset_class.base_filters)
        refuse_unknown_query_parameters(request, known)


def _listed(names: set[str]) -> str:
    return ", ".join(sorted(names - COMMON_QUERY_PARAMETERS) + ["page", "page_size"])


def _first_message(data) -> str:
    if isinstance(data, dict):
        for key, value in data.items():
            message = _first_message(value)
            if message:
                return message if key == api_settings.NON_FIELD_ERRORS_KEY else f"{key}: {message}"
        return ""
    if isinstance(data, list):
        for item in data:
            message = _first_message(item)
            if message:
                return message
        return ""
    return str(data)


def error_body(code: str, message: str, fields=None, details=None) -> dict:
    body = {"code": code, "message": message, "fields": fields or {}}
    if details:
        body["details"] = details
    return body


def exception_handler(exc, context):
    """Every error as ``{"code", "message", "fields"}``; a domain error keeps its status."""
    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(
            error_body(exc.code, exc.message, exc.fields, exc.extra), status=exc.http_status
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ProtectedError | RestrictedError):
        return Response(
            error_body("protected", "Still in use by other records; it cannot be deleted."),
            status=409,
        )
    elif isinstance(exc, DataError):
        # A value the database cannot hold (e.g. a NUL character) that validation let through.
        set_rollback()
        return Response(
            error_body("invalid", f"A value cannot be stored: {str(exc).splitlines()[0]}"),
            status=400,
        )
    elif isinstance(exc, IntegrityError):
        set_rollback()
        return Response(
            error_body("conflict", "The change conflicts with data saved meanwhile; retry."),
            status=409,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = response.data
        fields = data if isinstance(data, dict) else {api_settings.NON_FIELD_ERRORS_KEY: data}
        response.data = error_body("invalid", _first_message(fields) or "Invalid input.", fields)
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = error_body(code, str(detail) or str(exc))
    return response


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": r"^-?\d{1,16}(\.\d{1,4})?$",
        "example": "600.00",
    }
)
class AmountField(serializers.Field):
    """A decimal amount as a JSON string with its currency's minor units ("600.00", "1000").

    ``currency_source`` is the attribute path of the currency on the serialized object.
    """

    default_error_messages = {
        "invalid": "Enter an amount such as 600.00.",
        "max_decimals": "At most 4 decimal places.",
        "too_large": "The amount is too large.",
    }

    def __init__(self, *, currency_source: str = "currency", **kwargs):
        self.currency_source = currency_source
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        currency = instance
        for part in self.currency_source.split("."):
            currency = (
                currency.get(part) if isinstance(currency, dict) else getattr(currency, part, None)
            )
        return (value, currency)

    def to_representation(self, value):
        amount, currency = value
        if amount is None:
            return None
        if isinstance(currency, str) and currency_is_known(currency):
            return format_amount(amount, currency)
        return format_decimal(amount)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | Decimal):
            self.fail("invalid")
        try:
            value = Decimal(str(data).strip())
        except InvalidOperation:
            self.fail("invalid")
        if not value.is_finite():
            self.fail("invalid")
        if abs(value) >= Decimal("1e16"):
            self.fail("too_large")
        if value.as_tuple().exponent < -4 and value != value.quantize(
            Decimal("0.0001"), rounding="ROUND_DOWN"
        ):
            self.fail("max_decimals")
        return value


def validate_amount_precision(amount: Decimal, currency: str, field: str) -> None:
    if (
        amount is not None
        and currency_is_known(currency)
        and not has_valid_precision(amount, currency)
    ):
        raise serializers.ValidationError(
            {field: [f"{amount} has more decimals than {currency} allows."]}
        )


@extend_schema_field(OpenApiTypes.STR)
class CurrencyField(serializers.CharField):
    default_error_messages = {"unknown": "Unknown currency {value!r}: use an ISO 4217 code."}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("min_length", 3)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).upper()
        if not currency_is_known(value):
            self.fail("unknown", value=value)
        return value
