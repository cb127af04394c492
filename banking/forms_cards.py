"""Forms of the card payment pages. The card number and CVC are never rendered back: a form
shown again after an error asks for them anew."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import LocalizedAmountField


class CardPaymentForm(forms.Form):
    invoice = forms.CharField(
        max_length=30,
        label=_("Invoice number"),
        help_text=_("The invoice's document number, e.g. FAB-INV-000001"),
    )
    amount = LocalizedAmountField(max_digits=20, decimal_places=4, min_value=0, label=_("Amount"))
    number = forms.CharField(
        max_length=30,
        required=False,
        label=_("Card number"),
        widget=forms.PasswordInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    expiry_month = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=12,
        label=_("Expiry month"),
        widget=forms.NumberInput(attrs={"autocomplete": "cc-exp-month"}),
    )
    expiry_year = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=2099,
        label=_("Expiry year"),
        widget=forms.NumberInput(attrs={"autocomplete": "cc-exp-year"}),
    )
    cvc = forms.CharField(
        max_length=4,
        required=False,
        label="CVC",
        widget=forms.PasswordInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )
    token = forms.CharField(
        max_length=200,
        required=False,
        label=_("Or the token of an earlier card"),
        help_text=_("tok_… as shown on an earlier card payment of the customer"),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        card_given = any(data.get(k) for k in ("number", "expiry_month", "expiry_year", "cvc"))
        if card_given == bool(data.get("token")):
            raise forms.ValidationError(_("Give either the card or the token of an earlier card."))
        if card_given:
            for name in ("number", "expiry_month", "expiry_year", "cvc"):
                if data.get(name) in (None, ""):
                    self.add_error(name, self.fields[name].error_messages["required"])
        return data


class CaptureForm(forms.Form):
    amount = LocalizedAmountField(
        max_digits=20,
        decimal_places=4,
        min_value=0,
        required=False,
        label=_("Amount to capture"),
        help_text=_("Empty: the whole authorization"),
    )


class RefundForm(forms.Form):
    amount = LocalizedAmountField(
        max_digits=20, decimal_places=4, min_value=0, label=_("Amount to refund")
    )
    credit = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        label=_("Pays back the credit"),
        help_text=_("A credit note the refund settles; none: the refund stays open as a debit"),
    )

    def __init__(self, *args, credits=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credit"].choices = [("", "—")] + [
            (
                ot.pk,
                _("%(document)s (%(amount)s %(currency)s open)")
                % {
                    "document": ot.document_number,
                    "amount": -ot.open_amount,
                    "currency": ot.currency,
                },
            )
            for ot in credits
        ]
