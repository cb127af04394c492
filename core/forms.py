"""Form fields the browser forms of every app share: amounts, quantities, prices and percentages
as a clerk types them, read and shown in the user's language (the API reads "1234.56" only, by
its own serializers)."""

import re
from decimal import Decimal

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from .money import AmountUnreadable, amount_parse_localized, format_decimal_localized

# A number as the server writes it in English ("100.00", "-5"): what views put in ``initial``.
_PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_EXAMPLE = Decimal("120.50")


class LocalizedAmountField(forms.DecimalField):
    """A ``DecimalField`` read by ``core.money.amount_parse_localized`` ("120,50" and
    "1 234,56" on a French page, "1,234.56" on an English one) whose input shows its value the
    same way ("120,50"), without grouping so that the clerk edits digits only. A text input with
    a decimal keypad: a number input can neither show nor, in every browser, take a comma.

    The field's ``invalid`` message may name it and give an example in the page's language
    (``%(field)s``, ``%(example)s``); range, digits and places are ``DecimalField``'s checks,
    the currency's minor units the services'."""

    widget = forms.TextInput
    default_error_messages = {
        "invalid": _("%(field)s: enter a number such as %(example)s."),
    }

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if "inputmode" not in widget.attrs:
            attrs["inputmode"] = "decimal"
        return attrs

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return amount_parse_localized(str(value))
        except AmountUnreadable:
            raise forms.ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={
                    "field": self.label or _("Amount"),
                    "example": format_decimal_localized(_EXAMPLE),
                },
            ) from None

    def prepare_value(self, value):
        """A value from the server (a ``Decimal``, an int, or text as ``format_amount`` writes
        it) in the page's language; what the clerk typed stays as typed, but for a plain
        decimal, which reads the same either way ("120.50" shown "120,50" in French)."""
        if isinstance(value, bool):
            return value
        if isinstance(value, int | Decimal) and Decimal(value).is_finite():
            return format_decimal_localized(Decimal(value))
        if isinstance(value, str) and _PLAIN.fullmatch(value):
            return value.replace(".", formats.get_format("DECIMAL_SEPARATOR"))
        return value
