"""The receivables codes a customer account and a document refer to: terms of payment, cash
discounts with their periods, sales tax codes and interest codes with their ranges and
per-currency fees. Their tables keep the names they were created with in ``entities``: the move
to this app changed the models' owner, not the schema.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import pgettext_lazy

from core.fields import amount_field, code_validator, currency_field


class PaymentTerms(models.Model):
    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120, blank=True)
    net_days = models.PositiveIntegerField()

    class Meta:
        db_table = "entities_paymentterms"
        ordering = ["code"]
        verbose_name_plural = "payment terms"

    def __str__(self) -> str:
        return self.code


class CashDiscount(models.Model):
    """A cash discount code: one or more periods, e.g. 2 % within 5 days, then 1 % within 14."""

    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        db_table = "entities_cashdiscount"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class CashDiscountPeriod(models.Model):
    cash_discount = models.ForeignKey(
        CashDiscount, on_delete=models.CASCADE, related_name="periods"
    )
    days = models.PositiveIntegerField()
    percent = models.DecimalField(
        max_digits=7, decimal_places=4, validators=[MinValueValidator(Decimal("0.0001"))]
    )

    class Meta:
        db_table = "entities_cashdiscountperiod"
        ordering = ["cash_discount", "days"]
        constraints = [
            models.UniqueConstraint(
                fields=["cash_discount", "days"], name="cash_discount_period_unique_days"
            ),
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lt=100),
                name="cash_discount_period_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.percent} % within {self.days} days"


class SalesTaxCode(models.Model):
    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120, blank=True)
    percent = models.DecimalField(
        max_digits=7, decimal_places=4, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        db_table = "entities_salestaxcode"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lt=100),
                name="sales_tax_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.percent} %)"


class InterestCode(models.Model):
    """Interest charged on overdue invoices (D365 interest codes).

    Its ranges give the percent by how long an invoice is overdue (in days or in months); the
    percent is per day or per month of overdue (``charge_per``). Per currency: a fixed fee and a
    minimum interest, each applying to a customer's calendar month as a whole. The rules are in
    ``receivables.interest``.
    """

    class Unit(models.TextChoices):
        DAY = "day", pgettext_lazy("time unit", "Day")
        MONTH = "month", pgettext_lazy("time unit", "Month")

    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120, blank=True)
    charge_per = models.CharField(
        max_length=5,
        choices=Unit.choices,
        default=Unit.MONTH,
        help_text="The ranges' percent is per overdue day or per completed overdue month",
    )
    ranges_by = models.CharField(
        max_length=5,
        choices=Unit.choices,
        default=Unit.DAY,
        help_text="Ranges count days overdue or months overdue",
    )
    grace_days = models.PositiveIntegerField(
        default=0, help_text="No interest while an invoice is overdue this many days or fewer"
    )

    class Meta:
        db_table = "entities_interestcode"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class InterestRange(models.Model):
    """From ``from_overdue`` to ``to_overdue`` (inclusive; open-ended when empty) days or months
    overdue, ``percent`` per day or month."""

    interest_code = models.ForeignKey(InterestCode, on_delete=models.CASCADE, related_name="ranges")
    from_overdue = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    to_overdue = models.PositiveIntegerField(null=True, blank=True)
    percent = models.DecimalField(
        max_digits=9, decimal_places=6, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        db_table = "entities_interestrange"
        ordering = ["interest_code", "from_overdue"]
        constraints = [
            models.UniqueConstraint(
                fields=["interest_code", "from_overdue"], name="interest_range_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(from_overdue__gte=1)
                & (Q(to_overdue__isnull=True) | Q(to_overdue__gte=F("from_overdue"))),
                name="interest_range_bounds",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lt=100), name="interest_range_percent"
            ),
        ]

    def __str__(self) -> str:
        end = self.to_overdue if self.to_overdue is not None else "…"
        return f"{self.from_overdue}–{end}: {self.percent} %"


class InterestCurrency(models.Model):
    """Per currency of an interest code: a fee and a minimum interest, once per customer and
    calendar month (see ``receivables.interest``)."""

    interest_code = models.ForeignKey(
        InterestCode, on_delete=models.CASCADE, related_name="currencies"
    )
    currency = currency_field()
    fixed_fee = amount_field(default=Decimal("0"), validators=[MinValueValidator(0)])
    minimum_interest = amount_field(default=Decimal("0"), validators=[MinValueValidator(0)])

    class Meta:
        db_table = "entities_interestcurrency"
        ordering = ["interest_code", "currency"]
        verbose_name_plural = "interest currencies"
        constraints = [
            models.UniqueConstraint(
                fields=["interest_code", "currency"], name="interest_currency_unique"
            ),
            models.CheckConstraint(
                condition=Q(fixed_fee__gte=0) & Q(minimum_interest__gte=0),
                name="interest_currency_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interest_code} {self.currency}"
