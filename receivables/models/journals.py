"""The lines of a payment journal kept as a draft: what the clerk typed, possibly incomplete
(a line is checked when the journal is validated or posted), and the open transactions a line
marks to settle. Posting turns each line into a payment (``PaymentJournalLine.payment``)."""

from django.db import models
from django.db.models import Q

from core.fields import amount_field
from entities.models import Customer

from .documents import Payment, PaymentJournal
from .open_transactions import OpenTransaction


class PaymentJournalLine(models.Model):
    journal = models.ForeignKey(PaymentJournal, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(help_text="The line's number in its journal, from 1")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(null=True, blank=True)
    amount = amount_field(null=True, blank=True)
    currency = models.CharField(
        max_length=3, blank=True, help_text="Empty: the customer's currency"
    )
    method = models.CharField(
        max_length=20, choices=Payment.Method.choices, default=Payment.Method.ELECTRONIC
    )
    reference = models.CharField(max_length=60, blank=True)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="journal_line"
    )

    class Meta:
        ordering = ["journal", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["journal", "position"], name="payment_journal_line_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.journal} line {self.position}"


class PaymentJournalMark(models.Model):
    """An open transaction a journal line marks to settle with its payment, optionally with
    the amount to settle (else as much as the payment and the transaction allow)."""

    line = models.ForeignKey(PaymentJournalLine, on_delete=models.CASCADE, related_name="marks")
    open_transaction = models.ForeignKey(
        OpenTransaction, on_delete=models.PROTECT, related_name="+"
    )
    amount = amount_field(null=True, blank=True)

    class Meta:
        ordering = ["line", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "open_transaction"], name="payment_journal_mark_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="payment_journal_mark_amount_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} marks {self.open_transaction_id}"
