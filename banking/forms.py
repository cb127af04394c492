"""Browser forms of the banking room: import a statement file, filter statements, and what a
clerk changes on a statement line (marked transactions, customer, posting type)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
        queryset=None,
        empty_label=gettext_lazy("Choose the bank account"),
        label=gettext_lazy("Bank account"),
    )
    format = forms.ChoiceField(choices=BankStatement.Format.choices, label=gettext_lazy("Format"))
    csv_mapping = _MappingChoice(
        queryset=None,
        required=False,
        empty_label=gettext_lazy("(not a CSV file)"),
        label=gettext_lazy("CSV mapping"),
        help_text=gettext_lazy("How the bank's CSV file reads; only for CSV files."),
    )
    file = forms.FileField(label=gettext_lazy("Statement file"), allow_empty_file=True)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].queryset = bank_accounts_for_user(user).filter(active=True)
        mappings = CsvMapping.objects.select_related("legal_entity")
        ids = granted_entity_ids(user)
        if ids is not None:
            mappings = mappings.filter(legal_entity_id__in=ids)
        self.fields["csv_mapping"].queryset = mappings
        self.fields["bank_account"].error_messages["invalid_choice"] = _(
            "Choose one of your bank accounts."
        )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_FILE_BYTES:
            raise ValidationError(
                _("The file is %(size)s bytes; at most %(limit)s are read.")
                % {
                    "size": number_format(file.size, force_grouping=True),
                    "limit": number_format(MAX_FILE_BYTES, force_grouping=True),
                }
            )
        return file


class StatementFilterForm(forms.Form):
    bank_account = _AccountChoice(
        queryset=None,
        required=False,
        empty_label=gettext_lazy("All accounts"),
        label=gettext_lazy("Bank account"),
    )
    status = forms.ChoiceField(
        choices=[("", gettext_lazy("Any status")), *BankStatement.Status.choices],
        required=False,
        label=gettext_lazy("Status"),
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].queryset = bank_accounts_for_user(user)


class WarningsResolveForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Why the warnings may stand"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": gettext_lazy("Say why the warnings may stand.")},
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
        choices=[("", gettext_lazy("Choose a posting type")), *POSTING_TYPE_CHOICES],
        label=gettext_lazy("Posting type"),
        error_messages={"required": gettext_lazy("Choose a posting type.")},
    )


class CustomerForm(forms.Form):
    customer = forms.CharField(
        label=gettext_lazy("Customer account"),
        max_length=40,
        error_messages={"required": gettext_lazy("Type the customer's account.")},
    )
