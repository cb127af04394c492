"""Interest notes: interest charged on overdue invoices, one note per customer and currency, a
line per invoice and rate period. A posted note is an open debit like an invoice. The rules (the
interest computed cumulatively, the customer's month) are in ``receivables.interest``.

A line records the period it charges (``period_start`` to ``period_end``, both included) and
whether it counts as charged: ``charged`` is cleared when its note is waived or reversed and set
again when a waived note is reinstated. The unique constraint on (invoice's open transaction,
period_start) among charged lines means a period is never charged twice, even when the job runs
twice at once or a waived note is reinstated after its days were charged again.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import pgettext_lazy

from core.fields import amount_field, currency_field
from core.money import AMOUNT_DECIMAL_PLACES
from entities.models import Customer, LegalEntity
from ledger.models import Voucher

from .codes import InterestCode


class InterestNote(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("document status", "Draft")
        WAIVED = "waived", pgettext_lazy("document status", "Waived")
        POSTED = "posted", pgettext_lazy("document status", "Posted")
        REVERSED = "reversed", pgettext_lazy("document status", "Reversed")

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    interest_code = models.ForeignKey(InterestCode, on_delete=models.PROTECT, related_name="+")
    currency = currency_field()
    date = models.DateField(help_text="Interest calculated up to this date")
    number = models.CharField(max_length=30, blank=True, help_text="Given when posted")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    interest = amount_field(default=0, help_text="Sum of the lines")
    minimum_adjustment = amount_field(
        default=0,
        help_text="Raises the month's interest to the minimum; negative for the part of this "
        "note's interest that the minimum charged earlier in the month already covers",
    )
    fee = amount_field(default=0)
    total = amount_field(default=0)
    voucher = models.OneToOneField(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_voucher = models.OneToOneField(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "number"],
                condition=~Q(number=""),
                name="interest_note_number_unique_per_entity",
            ),
            # Rounded to the amounts' places: SQLite adds the columns as floating point.
            models.CheckConstraint(
                condition=Q(
                    total=Round(
                        F("interest") + F("minimum_adjustment") + F("fee"),
                        AMOUNT_DECIMAL_PLACES,
                    )
                )
                & Q(interest__gte=0)
                & Q(minimum_adjustment__gte=-F("interest"))
                & Q(fee__gte=0)
                & Q(total__gte=0),
                name="interest_note_total",
            ),
            # A note of total zero (its interest covered by the month's minimum) is posted
            # without a voucher: there is nothing to book.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "waived"])
                | (~Q(number="") & (Q(voucher__isnull=False) | Q(total=0))),
                name="interest_note_posted_has_number_and_voucher",
            ),
        ]
        indexes = [models.Index(fields=["legal_entity", "status", "date"])]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.number or f'interest note {self.pk}'}"


class InterestNoteLine(models.Model):
    note = models.ForeignKey(InterestNote, on_delete=models.CASCADE, related_name="lines")
    open_transaction = models.ForeignKey(
        "receivables.OpenTransaction", on_delete=models.PROTECT, related_name="interest_lines"
    )
    document_number = models.CharField(max_length=30)
    due_date = models.DateField()
    period_start = models.DateField()
    period_end = models.DateField()
    days = models.PositiveIntegerField(help_text="Overdue days charged in this line")
    months = models.PositiveIntegerField(default=0, help_text="Overdue months charged (per month)")
    base = amount_field(help_text="The invoice's open amount")
    percent = models.DecimalField(max_digits=9, decimal_places=6, help_text="Per day or month")
    amount = amount_field()
    charged = models.BooleanField(
        default=True,
        db_default=True,  # lines are written with plain SQL by the interest job
        help_text="False while its note is waived or reversed: its days count as not charged",
    )

    class Meta:
        ordering = ["note", "due_date", "document_number", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["open_transaction", "period_start"],
                condition=Q(charged=True),
                name="interest_line_period_charged_once",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")) & Q(amount__gte=0) & Q(base__gt=0),
                name="interest_line_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_number} {self.period_start}–{self.period_end}: {self.amount}"
