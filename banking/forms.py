"""Browser forms of the banking room: import a statement file, filter statements, and what a
clerk changes on a statement line (marked transactions, customer, posting type)."""

from django import forms
from django.core.exceptions import ValidationError

from entities.selectors import granted_entity_ids
from ledger.models import PostingType
from settlement.forms import SettleForm

from .models import BankStatement, CsvMapping
from .parsers import MAX_FILE_BYTES
from .selectors import bank_accounts_for_user
from .services.lines import LINE_POSTING_TYPES


class _AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.legal_entity.code} {obj.code} · {obj.name} · {obj.iban} ({obj.currency})"


class _MappingChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.legal_entity.code} · {obj.name}"


class StatementImportForm(forms.Form):
    bank_account = _AccountChoice(
        queryset=None, empty_label="Choose the bank account", label="Bank account"
    )
    format = forms.ChoiceField(choices=BankStatement.Format.choices, label="Format")
    csv_mapping = _MappingChoice(
        queryset=None,
        required=False,
        empty_label="(not a CSV file)",
        label="CSV mapping",
        help_text="How the bank's CSV file reads; only for CSV files.",
    )
    file = forms.FileField(label="Statement file", allow_empty_file=True)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].queryset = bank_accounts_for_user(user).filter(active=True)
        mappings = CsvMapping.objects.select_related("legal_entity")
        ids = granted_entity_ids(user)
        if ids is not None:
            mappings = mappings.filter(legal_entity_id__in=ids)
        self.fields["csv_mapping"].queryset = mappings
        self.fields["bank_account"].error_messages["invalid_choice"] = (
            "Choose one of your bank accounts."
        )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_FILE_BYTES:
            raise ValidationError(
                f"The file is {file.size:,} bytes; at most {MAX_FILE_BYTES:,} are read."
            )
        return file


class StatementFilterForm(forms.Form):
    bank_account = _AccountChoice(queryset=None, required=False, empty_label="All accounts")
    status = forms.ChoiceField(
        choices=[("", "Any status"), *BankStatement.Status.choices], required=False
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].queryset = bank_accounts_for_user(user)


class WarningsResolveForm(forms.Form):
    note = forms.CharField(
        label="Why the warnings may stand",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Say why the warnings may stand."},
    )


class LineMarkForm(SettleForm):
    """The Settle transactions rows for one statement line: mark, amount, discount, full
    settlement per open transaction; no date (the line's value date) and no primary payment
    (the line's payment is)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["date"]
        del self.fields["primary"]


POSTING_TYPE_CHOICES = [(t.value, PostingType(t).label) for t in LINE_POSTING_TYPES]


class PostingTypeForm(forms.Form):
    posting_type = forms.ChoiceField(
        choices=[("", "Choose a posting type"), *POSTING_TYPE_CHOICES],
        label="Posting type",
        error_messages={"required": "Choose a posting type."},
    )


class CustomerForm(forms.Form):
    customer = forms.CharField(
        label="Customer account",
        max_length=40,
        error_messages={"required": "Type the customer's account."},
    )
