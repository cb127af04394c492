"""Legal entities, the global address book (parties), customer accounts with their groups, and
currencies' exchange rates. Also who may act in which legal entity (the audit trail and jobs
are core's: ``core.models``). The receivables codes a customer account names (terms of payment,
cash discount, interest code) belong to ``receivables`` and are referred to by label, so that
this app imports nothing above it.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

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
        "receivables.PaymentTerms",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cash_discount = models.ForeignKey(
        "receivables.CashDiscount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    interest_code = models.ForeignKey(
        "receivables.InterestCode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
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
