"""Browser forms of the collections room: one per action of a customer's collections view. They
read the posted text as the page sends it (ISO dates, decimals, a checkbox "on") and leave
every rule to the services."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import AmountUnreadable, amount_parse_localized

DATE_INVALID = _("Enter a date as YYYY-MM-DD.")


class IsoDateField(forms.Field):
    """A date as YYYY-MM-DD (what a date input sends); empty is none."""

    default_error_messages = {"invalid": DATE_INVALID}

    def to_python(self, value):
        text = value or ""
        if not text.strip():
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class DecimalTextField(forms.Field):
    """A decimal as typed, read by ``core.money.amount_parse_localized`` (120,50 or 1 234,50
    on a French page, 120.50 everywhere); empty is none. Its range and places are the
    service's to judge."""

    def to_python(self, value):
        text = value or ""
        if not text.strip():
            return None
        try:
            return amount_parse_localized(text)
        except AmountUnreadable:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def _text(**kwargs) -> forms.CharField:
    # Services trim and check text themselves; the form passes it on as it came.
    return forms.CharField(required=False, strip=False, **kwargs)


class ActivityForm(forms.Form):
    kind = _text()
    subject = _text()
    notes = _text()
    follow_up_on = IsoDateField(required=False)
    promised_on = IsoDateField(required=False)
    promised_amount = DecimalTextField(
        required=False, error_messages={"invalid": _("Enter an amount such as 120.00.")}
    )


class DisputeForm(forms.Form):
    transaction = _text()
    reason = _text()


class ResolveForm(forms.Form):
    dispute = _text()
    resolution = _text()


class WriteOffForm(forms.Form):
    transaction = _text()
    amount = DecimalTextField(
        required=False, error_messages={"invalid": _("Enter an amount such as 0.40.")}
    )
    reason = _text()


class LetterForm(forms.Form):
    email = _text()


class CreditHoldForm(forms.Form):
    hold = _text()
    reason = _text()

    def clean_hold(self) -> bool:
        # A checkbox sends "on" when ticked and nothing otherwise.
        return self.cleaned_data["hold"] == "on"


class AgentForm(forms.Form):
    agent = _text()
