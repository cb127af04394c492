"""Browser forms of SEPA direct debits: a mandate, and what a collection run collects. They
parse input only; the services check IBAN, BIC, reference, dates and accounts."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from entities.models import Customer

from .models import BankAccount, DirectDebitMandate


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MandateForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), label=_("Customer"))
    reference = forms.CharField(
        max_length=200,
        label=_("Reference"),
        help_text=_("At most 35 letters, digits and / - ? : ( ) . , ' + or spaces"),
    )
    iban = forms.CharField(label=_("Debtor IBAN"), max_length=60)
    bic = forms.CharField(label=_("Debtor BIC"), max_length=20, required=False)
    debtor_name = forms.CharField(
        label=_("Account holder"),
        max_length=200,
        required=False,
        help_text=_("Default: the customer"),
    )
    signature_date = forms.DateField(widget=DateInput(), label=_("Signature date"))
    scheme = forms.ChoiceField(choices=DirectDebitMandate.Scheme.choices, label=_("Scheme"))
    recurrent = forms.TypedChoiceField(
        label=_("Kind"),
        choices=[
            ("1", pgettext_lazy("mandate", "Recurrent")),
            ("0", pgettext_lazy("mandate", "One-off")),
        ],
        coerce=lambda value: value == "1",
    )

    def __init__(self, *args, legal_entity, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = (
            Customer.objects.filter(legal_entity=legal_entity)
            .select_related("party")
            .order_by("account")
        )
        self.fields["customer"].label_from_instance = lambda c: f"{c.account} · {c.display_name}"
        if instance is not None:
            self.fields["customer"].disabled = True
            self.fields["customer"].required = False


class CollectionForm(forms.Form):
    bank_account = forms.ModelChoiceField(
        queryset=BankAccount.objects.none(), label=_("Bank account")
    )
    collection_date = forms.DateField(widget=DateInput(), label=_("Collection date"))
    due_until = forms.DateField(
        label=_("Debits due until"), widget=DateInput(), help_text=_("Debits due by this date")
    )

    def __init__(self, *args, legal_entity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].queryset = BankAccount.objects.filter(
            legal_entity=legal_entity, active=True
        ).order_by("code")
        self.fields["bank_account"].label_from_instance = lambda a: (
            f"{a.code} · {a.name} ({a.currency})"
        )
