"""Browser forms of bills of exchange: drawing one (a customer, then its open debits to mark),
and one small form per step with that step's inputs. They parse input only; the services
check the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import LocalizedAmountField
from entities.models import Customer, LegalEntity

from .models import BankAccount, BillOfExchange
from .services.bills import REMIT_MODES

DATE = forms.DateInput(attrs={"type": "date"})
AMOUNT = {"max_digits": 18, "decimal_places": 4, "required": False}
REMIT_MODE_LABELS = {"collection": _("For collection"), "discount": _("For discount")}


class BillDrawForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), label=_("Customer"))
    date = forms.DateField(label=_("Date drawn"), widget=DATE)
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
    transactions = forms.TypedMultipleChoiceField(
        coerce=int, required=False, label=_("Open debits"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, entity: LegalEntity, debits=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(legal_entity=entity).order_by(
            "account"
        )
        self.fields["customer"].label_from_instance = lambda c: f"{c.account} · {c.display_name}"
        self.fields["transactions"].choices = [(ot.pk, ot.document_number) for ot in debits]


class StepForm(forms.Form):
    """A step's date (today by default)."""

    date_label = _("Date")
    date = forms.DateField(widget=DATE)

    def __init__(self, *args, bill: BillOfExchange, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.bill = bill
        self.fields["date"].label = self.date_label


def _bank_accounts(bill: BillOfExchange):
    return BankAccount.objects.filter(legal_entity_id=bill.legal_entity_id, active=True).order_by(
        "code"
    )


class AcceptForm(StepForm):
    date_label = _("Acceptance date")


class RemitForm(StepForm):
    date_label = _("Remittance date")
    bank_account = forms.ModelChoiceField(
        queryset=BankAccount.objects.none(), label=_("Bank account")
    )
    mode = forms.ChoiceField(
        choices=[(m, REMIT_MODE_LABELS[m]) for m in REMIT_MODES],
        label=_("Mode"),
        widget=forms.RadioSelect,
    )
    charges = LocalizedAmountField(label=_("Remittance charges"), **AMOUNT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].queryset = _bank_accounts(self.bill)
        self.fields["bank_account"].label_from_instance = lambda a: f"{a.code} · {a.name}"


class SettleForm(StepForm):
    date_label = _("Settlement date")


class ProtestForm(StepForm):
    date_label = _("Protest date")
    charges = LocalizedAmountField(label=_("Protest charges"), **AMOUNT)
    bank_account = forms.ModelChoiceField(
        queryset=BankAccount.objects.none(),
        required=False,
        label=_("Charges paid from"),
        help_text=_("Empty: the bank account of the posting setup"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.bill.bank_account_id is not None:
            del self.fields["bank_account"]  # a remitted bill's charges go through its bank
        else:
            self.fields["bank_account"].queryset = _bank_accounts(self.bill)
            self.fields["bank_account"].label_from_instance = lambda a: f"{a.code} · {a.name}"


class ReverseForm(forms.Form):
    date = forms.DateField(
        label=_("Reversal date"),
        required=False,
        widget=DATE,
        help_text=_("Empty: the step's own date"),
    )

    def __init__(self, *args, bill: BillOfExchange, **kwargs):
        super().__init__(*args, **kwargs)
        self.bill = bill


# The form of each step a bill may take (the remittance form serves both modes).
STEP_FORMS = {
    "accept": AcceptForm,
    "remit": RemitForm,
    "settle": SettleForm,
    "protest": ProtestForm,
    "reverse": ReverseForm,
}
