"""Legal entities, the global address book (parties), customer accounts and the setup codes they
use: currencies' exchange rates, terms of payment, cash discounts, sales tax and interest codes.
Also who may act in which legal entity (the audit trail and jobs are core's: ``core.models``).

Past the ~400 lines the style asks for: it is split by concern when the platform moves to
``core`` and each concept gets one owner (the architecture step), so that the split is done
once, in the new layout, with behaviour and figures unchanged.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from core.money import (
    AMOUNT_DECIMAL_PLACES,
    AMOUNT_MAX_DIGITS,
    RATE_DECIMAL_PLACES,
    RATE_MAX_DIGITS,
    currency_is_known,
)

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    "Use letters, digits, '-', '_' or '.', starting with a letter or digit.",
)


def currency_validator(value: str) -> None:
    if not currency_is_known(value):
        raise ValidationError(f"Unknown currency {value!r}: use an ISO 4217 code such as EUR.")


def amount_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES, **kwargs
    )


def currency_field(**kwargs) -> models.CharField:
    return models.CharField(max_length=3, validators=[currency_validator], **kwargs)


class LegalEntity(models.Model):
    """A company of the group; books its own ledger in its accounting currency."""

    class PostedIn(models.TextChoices):
        INVOICE = "invoice", "Invoice's legal entity"
        PAYMENT = "payment", "Payment's legal entity"

    code = models.CharField(max_length=10, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120)
    accounting_currency = currency_field()
    # Accounts receivable parameters (SPEC section 7).
    cash_discount_on_partial_payments = models.BooleanField(default=False)
    cash_discount_on_credit_notes = models.BooleanField(default=False)
    cash_discount_base_includes_tax = models.BooleanField(
        default=False, help_text="Compute cash discounts on the amount including sales tax."
    )
    max_underpayment = amount_field(default=Decimal("0"), validators=[MinValueValidator(0)])
    max_overpayment = amount_field(default=Decimal("0"), validators=[MinValueValidator(0)])
    cash_discount_posted_in = models.CharField(
        max_length=10, choices=PostedIn.choices, default=PostedIn.INVOICE
    )
    fx_posted_in = models.CharField(
        max_length=10, choices=PostedIn.choices, default=PostedIn.PAYMENT
    )
    max_write_off = amount_field(default=Decimal("0"), validators=[MinValueValidator(0)])
    credit_note_limited_to_invoice_open = models.BooleanField(
        default=False,
        help_text="Refuse a credit note larger than the open amount of the invoice it corrects.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Fields whose changes the audit trail records as "parameter change".
    PARAMETER_FIELDS = (
        "cash_discount_on_partial_payments",
        "cash_discount_on_credit_notes",
        "cash_discount_base_includes_tax",
        "max_underpayment",
        "max_overpayment",
        "cash_discount_posted_in",
        "fx_posted_in",
        "max_write_off",
        "credit_note_limited_to_invoice_open",
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "legal entities"
        constraints = [
            models.CheckConstraint(
                condition=Q(max_underpayment__gte=0)
                & Q(max_overpayment__gte=0)
                & Q(max_write_off__gte=0),
                name="legal_entity_tolerances_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Party(models.Model):
    """One real-world customer in the global address book."""

    number = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        verbose_name_plural = "parties"
        permissions = [
            (
                "manage_group_data",
                "Can change group-wide data: parties, contacts and exchange rates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class PartyAddress(models.Model):
    class Purpose(models.TextChoices):
        BUSINESS = "business", "Business"
        INVOICE = "invoice", "Invoice"
        DELIVERY = "delivery", "Delivery"

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="addresses")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.BUSINESS)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code")
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["party", "-is_primary", "id"]
        verbose_name_plural = "party addresses"

    def __str__(self) -> str:
        return ", ".join(p for p in (self.street, self.postal_code, self.city, self.country) if p)


class PartyContact(models.Model):
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["party", "name"]

    def __str__(self) -> str:
        return self.name


class PaymentTerms(models.Model):
    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120, blank=True)
    net_days = models.PositiveIntegerField()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "payment terms"

    def __str__(self) -> str:
        return self.code


class CashDiscount(models.Model):
    """A cash discount code: one or more periods, e.g. 2 % within 5 days, then 1 % within 14."""

    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120, blank=True)

    class Meta:
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
        DAY = "day", "Day"
        MONTH = "month", "Month"

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


class CustomerGroup(models.Model):
    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ExchangeRate(models.Model):
    """1 ``from_currency`` = ``rate`` ``to_currency``, valid from a date until the next one."""

    from_currency = currency_field()
    to_currency = currency_field()
    rate = models.DecimalField(max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES)
    valid_from = models.DateField()

    class Meta:
        ordering = ["from_currency", "to_currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_currency", "to_currency", "valid_from"],
                name="exchange_rate_unique_per_day",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(
                condition=~Q(from_currency=models.F("to_currency")),
                name="exchange_rate_two_currencies",
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.from_currency} = {self.rate} {self.to_currency} from {self.valid_from}"


class Customer(models.Model):
    """A party's customer account in one legal entity."""

    legal_entity = models.ForeignKey(
        LegalEntity, on_delete=models.PROTECT, related_name="customers"
    )
    account = models.CharField(max_length=20, validators=[code_validator])
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="customers")
    name = models.CharField(max_length=200, blank=True)
    currency = currency_field()
    payment_terms = models.ForeignKey(
        PaymentTerms, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cash_discount = models.ForeignKey(
        CashDiscount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    interest_code = models.ForeignKey(
        InterestCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer_group = models.ForeignKey(
        CustomerGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="customers"
    )
    credit_limit = amount_field(null=True, blank=True, validators=[MinValueValidator(0)])
    blocked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_entity__code", "account"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "account"], name="customer_account_unique_per_entity"
            ),
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0),
                name="customer_credit_limit_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["party", "legal_entity"])]

    def __str__(self) -> str:
        return f"{self.legal_entity.code}/{self.account} {self.display_name}"

    @property
    def display_name(self) -> str:
        return self.name or self.party.name


class EntityGrant(models.Model):
    """A user may act in a legal entity (superusers act in all)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entity_grants"
    )
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="grants")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "legal_entity__code"]
        constraints = [
            models.UniqueConstraint(fields=["user", "legal_entity"], name="entity_grant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.legal_entity.code}"
