"""Recurring invoices: a template of free-text invoice lines, assigned to customers with a start
date, an end date or a number of occurrences, and a frequency. Each generated invoice is recorded
as an occurrence, unique per (assignment, sequence), so no period is ever billed twice."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import pgettext_lazy

from core.fields import amount_field, code_validator, currency_field
from entities.models import Customer, LegalEntity
from ledger.models import MainAccount

from .codes import CashDiscount, PaymentTerms, SalesTaxCode


class RecurringInvoiceTemplate(models.Model):
    """The invoice to repeat: header defaults and free-text lines, in one legal entity."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=20, validators=[code_validator])
    description = models.CharField(max_length=200)
    currency = currency_field(blank=True, help_text="Empty: the customer's currency")
    payment_terms = models.ForeignKey(
        PaymentTerms, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cash_discount = models.ForeignKey(
        CashDiscount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_entity__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "code"], name="recurring_template_code_unique_per_entity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.code}"


class RecurringInvoiceTemplateLine(models.Model):
    template = models.ForeignKey(
        RecurringInvoiceTemplate, on_delete=models.CASCADE, related_name="lines"
    )
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=1)
    unit_price = amount_field(null=True, blank=True)
    amount = amount_field(null=True, blank=True, help_text="Before tax; or quantity × unit price")
    sales_tax_code = models.ForeignKey(
        SalesTaxCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(
        MainAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["template", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(unit_price__isnull=False),
                name="recurring_line_amount_or_price",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="recurring_line_quantity"),
        ]

    def __str__(self) -> str:
        return self.description


class RecurringInvoiceAssignment(models.Model):
    """A template billed to one customer from ``start_date``, every ``interval`` ``frequency``,
    until ``end_date`` or ``occurrences`` invoices (whichever comes first; neither: no end)."""

    class Frequency(models.TextChoices):
        DAYS = "days", pgettext_lazy("frequency", "Days")
        WEEKS = "weeks", pgettext_lazy("frequency", "Weeks")
        MONTHS = "months", pgettext_lazy("frequency", "Months")
        YEARS = "years", pgettext_lazy("frequency", "Years")

    template = models.ForeignKey(
        RecurringInvoiceTemplate, on_delete=models.PROTECT, related_name="assignments"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    occurrences = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    frequency = models.CharField(max_length=6, choices=Frequency.choices, default=Frequency.MONTHS)
    interval = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    post = models.BooleanField(default=False, help_text="Post the invoices when generated")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "customer", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="recurring_assignment_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(occurrences__isnull=True) | Q(occurrences__gte=1),
                name="recurring_assignment_occurrences_positive",
            ),
            models.CheckConstraint(
                condition=Q(interval__gte=1), name="recurring_assignment_interval_positive"
            ),
        ]
        indexes = [models.Index(fields=["active", "start_date"])]

    def __str__(self) -> str:
        return f"{self.template} → {self.customer.account} every {self.interval} {self.frequency}"


class RecurringInvoiceOccurrence(models.Model):
    """One generated invoice: period ``sequence`` (0 for the start date) of an assignment."""

    assignment = models.ForeignKey(
        RecurringInvoiceAssignment, on_delete=models.PROTECT, related_name="generated"
    )
    sequence = models.PositiveIntegerField()
    period_date = models.DateField()
    invoice = models.OneToOneField(
        "receivables.Invoice", on_delete=models.PROTECT, related_name="recurring_occurrence"
    )
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "sequence"], name="recurring_occurrence_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} #{self.sequence} {self.period_date}"
