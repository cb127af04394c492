"""The Settle transactions form: one row per open transaction of the party, built at run time."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import LocalizedAmountField


class SettleForm(forms.Form):
    """Fields per open transaction ``t``: ``mark_t``, ``amount_t``, ``discount_t``, ``full_t``;
    plus the settlement ``date`` and the ``primary`` payment."""

    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label=gettext_lazy("Settlement date")
    )
    primary = forms.IntegerField(required=False, label=gettext_lazy("Primary payment"))

    def __init__(self, *args, transactions, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.transactions = list(transactions)
        for ot in self.transactions:
            number = ot.document_number
            self.fields[f"mark_{ot.pk}"] = forms.BooleanField(
                required=False, label=_("Mark %(document)s") % {"document": number}
            )
            self.fields[f"amount_{ot.pk}"] = LocalizedAmountField(
                required=False,
                max_digits=20,
                decimal_places=4,
                min_value=0,
                label=_("Amount to settle of %(document)s") % {"document": number},
            )
            self.fields[f"discount_{ot.pk}"] = LocalizedAmountField(
                required=False,
                max_digits=20,
                decimal_places=4,
                min_value=0,
                label=_("Cash discount to take on %(document)s") % {"document": number},
            )
            self.fields[f"full_{ot.pk}"] = forms.BooleanField(
                required=False, label=_("Full settlement of %(document)s") % {"document": number}
            )
            for kind in ("mark", "amount", "discount", "full"):
                field = self.fields[f"{kind}_{ot.pk}"]
                field.widget.attrs["aria-label"] = field.label

    def rows(self):
        for ot in self.transactions:
            yield {
                "ot": ot,
                "mark": self[f"mark_{ot.pk}"],
                "amount": self[f"amount_{ot.pk}"],
                "discount": self[f"discount_{ot.pk}"],
                "full": self[f"full_{ot.pk}"],
            }

    def marked(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "transaction": ot.pk,
                "amount": data.get(f"amount_{ot.pk}"),
                "cash_discount": data.get(f"discount_{ot.pk}"),
                "full_settlement": bool(data.get(f"full_{ot.pk}")),
            }
            for ot in self.transactions
            if data.get(f"mark_{ot.pk}")
        ]


class InvoiceCorrectForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Correction date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy(
            "The credit note's date: in an open period, not before the invoice."
        ),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("Post the credit note and make the new draft"),
        help_text=gettext_lazy(
            "The invoice is closed by a credit note of all of it; this cannot be undone."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SettlementReverseForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Reversal date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy(
            "The reversing vouchers' date: in an open period, not before the settlement."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
