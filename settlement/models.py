"""Settlements: open transactions of one party closed against each other, across legal entities,
with the vouchers they posted in each entity.

A settlement line records, for one open transaction, what the settlement took off its open
amount: the cash part (``settled_amount``), the cash discount, the payment difference (under- or
overpayment within tolerance, or the remainder of a full settlement) and the accounting amount
taken off, so that a reversal restores the open amounts exactly.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Round
from django.utils.translation import pgettext_lazy

from core.fields import amount_field
from core.money import AMOUNT_DECIMAL_PLACES
from entities.models import Party
from ledger.models import Voucher
from receivables.models import OpenTransaction


class Settlement(models.Model):
    class Status(models.TextChoices):
        POSTED = "posted", pgettext_lazy("settlement status", "Posted")
        REVERSED = "reversed", pgettext_lazy("settlement status", "Reversed")

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="settlements")
    date = models.DateField()
    currency = models.CharField(max_length=3)
    primary_payment = models.ForeignKey(
        OpenTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.POSTED)
    vouchers = models.ManyToManyField(Voucher, related_name="settlements", blank=True)
    reversal_vouchers = models.ManyToManyField(Voucher, related_name="+", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Settlement {self.pk} of party {self.party.number}"


class SettlementLine(models.Model):
    """Amounts are signed like the transaction (debit positive)."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    open_transaction = models.ForeignKey(
        OpenTransaction, on_delete=models.PROTECT, related_name="settlement_lines"
    )
    settled_amount = amount_field(help_text="Cash part closed against the other side")
    cash_discount = amount_field(default=0)
    payment_difference = amount_field(default=0)
    full_settlement = models.BooleanField(default=False)
    amount = amount_field(help_text="Taken off the open amount: cash + discount + difference")
    accounting_amount = amount_field(help_text="Taken off the open accounting amount")
    fx_difference = amount_field(
        default=0, help_text="Realized exchange difference booked for this line (gain negative)"
    )

    class Meta:
        ordering = ["settlement", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["settlement", "open_transaction"], name="settlement_line_unique_transaction"
            ),
            # Rounded to the fields' places: SQLite adds these columns as floating point numbers
            # (0.28 + 0.01 is not 0.29 there); on PostgreSQL the sum is exact either way.
            models.CheckConstraint(
                condition=Q(
                    amount=Round(
                        models.F("settled_amount")
                        + models.F("cash_discount")
                        + models.F("payment_difference"),
                        AMOUNT_DECIMAL_PLACES,
                    )
                ),
                name="settlement_line_parts_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.open_transaction} {self.amount}"
