"""Browser forms of the receivables room: they parse what the clerk typed; the services decide."""

import re

from django import forms
from django.forms import formset_factory
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import LocalizedAmountField
from core.money import AmountUnreadable, amount_parse_localized, currency_is_known
from entities.models import Customer

from .models import CashDiscount, Invoice, Payment, PaymentTerms, SalesTaxCode

# The decimal comma of an amount to settle ("FAB-INV00000012:1.234,50"), set apart from the commas
# between invoice numbers.
_MARK_DECIMAL_COMMA = re.compile(r"(:[+-]?[0-9.]*[0-9]),(?=[0-9])")
_KEPT_COMMA = "\0"  # a character no form field lets through

UNKNOWN_CURRENCY = _("Unknown currency %(currency)s: use an ISO code like EUR.")


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Customer) -> str:
        return f"{obj.account} · {obj.display_name}"


def _customers(legal_entity):
    return (
        Customer.objects.filter(legal_entity=legal_entity)
        .select_related("party", "legal_entity")
        .order_by("account")
    )


class DocumentForm(forms.Form):
    customer = CustomerChoiceField(queryset=Customer.objects.none(), label=_("Customer"))
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Date"))
    due_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label=_("Due date"),
        help_text=_("Leave empty to take it from the terms of payment."),
    )
    currency = forms.CharField(
        required=False,
        max_length=3,
        label=_("Currency"),
        help_text=_("Leave empty for the customer's currency."),
    )
    payment_terms = forms.ModelChoiceField(
        queryset=PaymentTerms.objects.order_by("code"),
        required=False,
        label=_("Payment terms"),
        empty_label=_("Customer's terms"),
    )
    cash_discount = forms.ModelChoiceField(
        queryset=CashDiscount.objects.order_by("code"),
        required=False,
        label=_("Cash discount"),
        empty_label=_("Customer's cash discount"),
    )
    description = forms.CharField(required=False, max_length=200, label=_("Description"))

    def __init__(self, *args, legal_entity, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.legal_entity = legal_entity
        self.fields["customer"].queryset = _customers(legal_entity)

    def clean_currency(self) -> str:
        value = self.cleaned_data["currency"].strip().upper()
        if value and not currency_is_known(value):
            raise forms.ValidationError(UNKNOWN_CURRENCY % {"currency": repr(value)})
        return value


class CreditNoteForm(DocumentForm):
    invoice = forms.ModelChoiceField(
        queryset=Invoice.objects.none(),
        required=False,
        label=_("Invoice"),
        empty_label=_("No original invoice"),
        help_text=_("The posted invoice this credit note corrects."),
    )

    def __init__(self, *args, legal_entity, **kwargs):
        super().__init__(*args, legal_entity=legal_entity, **kwargs)
        self.fields["invoice"].queryset = Invoice.objects.filter(
            legal_entity=legal_entity, status="posted"
        ).order_by("-date", "-id")
        self.fields["cash_discount"].empty_label = _("The invoice's cash discount")


class LabelledCellsMixin:
    """Lines are table rows without visible labels: each input carries its own for screen
    readers and keyboard users."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        row = (self.prefix or "").rsplit("-", 1)[-1]
        number = int(row) + 1 if row.isdigit() else ""
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "aria-label",
                _("%(label)s (line %(number)s)") % {"label": field.label, "number": number},
            )


class DocumentLineForm(LabelledCellsMixin, forms.Form):
    description = forms.CharField(max_length=200, label=_("Description"))
    quantity = LocalizedAmountField(
        max_digits=14, decimal_places=4, initial=1, min_value=0, label=_("Quantity")
    )
    unit_price = LocalizedAmountField(
        max_digits=20, decimal_places=4, required=False, label=_("Unit price")
    )
    amount = LocalizedAmountField(
        max_digits=20,
        decimal_places=4,
        required=False,
        label=_("Amount"),
        help_text=_("Or quantity × unit price"),
    )
    sales_tax_code = forms.ModelChoiceField(
        queryset=SalesTaxCode.objects.order_by("code"),
        required=False,
        label=_("Sales tax code"),
        empty_label=_("No tax"),
    )


DocumentLineFormSet = formset_factory(
    DocumentLineForm, extra=3, min_num=1, validate_min=True, can_delete=True
)


class PaymentLineForm(LabelledCellsMixin, forms.Form):
    customer = CustomerChoiceField(queryset=Customer.objects.none(), label=_("Customer"))
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Date"))
    amount = LocalizedAmountField(max_digits=20, decimal_places=4, label=_("Amount"))
    currency = forms.CharField(required=False, max_length=3, label=_("Currency"))
    method = forms.ChoiceField(
        choices=Payment.Method.choices, initial=Payment.Method.ELECTRONIC, label=_("Method")
    )
    reference = forms.CharField(required=False, max_length=60, label=_("Reference"))

    def __init__(self, *args, legal_entity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = _customers(legal_entity)

    def clean_currency(self) -> str:
        value = self.cleaned_data["currency"].strip().upper()
        if value and not currency_is_known(value):
            raise forms.ValidationError(
                _("Unknown currency %(currency)s.") % {"currency": repr(value)}
            )
        return value


PaymentLineFormSet = formset_factory(
    PaymentLineForm, extra=0, min_num=1, validate_min=True, can_delete=True
)


class RecurringTemplateForm(forms.Form):
    code = forms.CharField(max_length=20, label=_("Code"))
    description = forms.CharField(max_length=200, label=_("Description"))
    currency = forms.CharField(
        required=False,
        max_length=3,
        label=_("Currency"),
        help_text=_("Leave empty to bill in each customer's currency."),
    )
    payment_terms = forms.ModelChoiceField(
        queryset=PaymentTerms.objects.order_by("code"),
        required=False,
        label=_("Payment terms"),
        empty_label=_("Customer's terms"),
    )
    cash_discount = forms.ModelChoiceField(
        queryset=CashDiscount.objects.order_by("code"),
        required=False,
        label=_("Cash discount"),
        empty_label=_("Customer's cash discount"),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_currency(self) -> str:
        value = self.cleaned_data["currency"].strip().upper()
        if value and not currency_is_known(value):
            raise forms.ValidationError(UNKNOWN_CURRENCY % {"currency": repr(value)})
        return value


class RecurringAssignmentForm(forms.Form):
    customer = CustomerChoiceField(queryset=Customer.objects.none(), label=_("Customer"))
    start_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label=_("Start date")
    )
    end_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("End date")
    )
    occurrences = forms.IntegerField(
        required=False,
        min_value=1,
        label=_("Occurrences"),
        help_text=_("Or leave empty and give an end date (or neither)."),
    )
    interval = forms.IntegerField(min_value=1, initial=1, label=_("Every"))
    frequency = forms.ChoiceField(
        choices=[
            ("days", pgettext_lazy("frequency", "Days")),
            ("weeks", pgettext_lazy("frequency", "Weeks")),
            ("months", pgettext_lazy("frequency", "Months")),
            ("years", pgettext_lazy("frequency", "Years")),
        ],
        initial="months",
        label=_("Frequency"),
    )
    post = forms.BooleanField(required=False, label=_("Post the invoices when generated"))

    def __init__(self, *args, legal_entity, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = _customers(legal_entity)


class CustomerSelect(forms.Select):
    """A customer's options carry its currency, for the journal's running totals."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-currency"] = instance.currency
        return option


class JournalLineForm(LabelledCellsMixin, forms.Form):
    """A payment journal line as typed: nothing is required here (a blank line is dropped, an
    incomplete one is kept in the draft); the journal's validation says what is missing. The
    method and the currency rarely change from line to line: they stay out of the Tab order
    (Alt+M, Alt+U reach them)."""

    customer = CustomerChoiceField(
        queryset=Customer.objects.none(), required=False, widget=CustomerSelect, label=_("Customer")
    )
    date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("Date")
    )
    amount = LocalizedAmountField(
        required=False,
        max_digits=20,
        decimal_places=4,
        label=_("Amount"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 12}),
        error_messages={
            "invalid": _("Enter an amount such as 600.00."),
            "max_decimal_places": _("Give at most 4 decimals."),
            "max_digits": _("The amount is too large."),
            "max_whole_digits": _("The amount is too large."),
        },
    )
    currency = forms.CharField(
        required=False,
        max_length=3,
        label=_("Currency"),
        widget=forms.TextInput(attrs={"size": 4, "tabindex": "-1", "placeholder": _("auto")}),
    )
    method = forms.ChoiceField(
        choices=Payment.Method.choices,
        initial=Payment.Method.ELECTRONIC,
        label=_("Method"),
        widget=forms.Select(attrs={"tabindex": "-1"}),
    )
    reference = forms.CharField(required=False, max_length=60, label=_("Reference"))
    settle = forms.CharField(
        required=False,
        max_length=500,
        label=_("Settle"),
        help_text=_(
            "Document numbers of the invoices this payment settles, e.g. FAB-INV00000012 "
            "or FAB-INV00000012:150.00 for part of it."
        ),
    )

    def __init__(self, *args, legal_entity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = _customers(legal_entity)
        self.fields["date"].error_messages["invalid"] = _("Enter a date such as 2026-03-09.")

    def clean_currency(self) -> str:
        value = self.cleaned_data["currency"].strip().upper()
        if value and not currency_is_known(value):
            raise forms.ValidationError(UNKNOWN_CURRENCY % {"currency": repr(value)})
        return value

    def clean_settle(self) -> list[tuple[str, object]]:
        """``NUMBER`` or ``NUMBER:AMOUNT``, separated by commas or spaces, the amount in the
        page's language: on a French page "FAB-INV00000012:150,00", where a comma between the
        amount's digits is its decimal comma and any other separates numbers. An amount here
        has no thousands separators (a space separates numbers)."""
        text = self.cleaned_data["settle"]
        if formats.get_format("DECIMAL_SEPARATOR") == ",":
            text = _MARK_DECIMAL_COMMA.sub(lambda m: m.group(1) + _KEPT_COMMA, text)
        marks = []
        for token in text.replace(",", " ").split():
            number, _sep, amount = token.replace(_KEPT_COMMA, ",").partition(":")
            if not amount:
                marks.append((number, None))
                continue
            try:
                value = amount_parse_localized(amount)
            except AmountUnreadable:
                value = None
            if value is None or value <= 0:
                raise forms.ValidationError(
                    _("%(amount)s after %(number)s is not an amount: write %(number)s:150.00.")
                    % {"amount": repr(amount), "number": number}
                )
            marks.append((number, value))
        return marks

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (
            data.get("customer")
            or data.get("amount") is not None
            or data.get("currency")
            or data.get("reference")
            or data.get("settle")
        )


JournalLineFormSet = formset_factory(JournalLineForm, extra=0)
