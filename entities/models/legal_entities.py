"""Legal entities (companies of the group, each booking its own ledger) and who may act in
which of them (grants; superusers act in all)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from core.bank_codes import creditor_identifier_validator
from core.countries import country_name, country_validator
from core.fields import amount_field, code_validator, currency_field, language_field


class LegalEntity(models.Model):
    """A company of the group; books its own ledger in its accounting currency."""

    class PostedIn(models.TextChoices):
        INVOICE = "invoice", pgettext_lazy("posted in", "Invoice's legal entity")
        PAYMENT = "payment", pgettext_lazy("posted in", "Payment's legal entity")

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
    sepa_creditor_identifier = models.CharField(
        max_length=35,
        blank=True,
        validators=[creditor_identifier_validator],
        help_text="The SEPA creditor identifier its direct debits are collected under",
    )
    auto_match_threshold = models.PositiveSmallIntegerField(
        default=95,
        validators=[MaxValueValidator(100)],
        help_text="A bank statement line whose best proposal reaches this confidence (0-100) is "
        "matched without review.",
    )
    language = language_field(
        default="en",
        help_text="The language its letters, statements, invoices and credit notes are written "
        "in, unless a customer account names its own.",
    )
    # What its printed documents' letterhead shows, as a serious invoice must: where the
    # company is and its VAT registration.
    address_lines = models.TextField(
        blank=True, help_text="Street, building, P.O. box: one printed line each."
    )
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[country_validator],
        help_text="ISO 3166 alpha-2 code, such as FR or NO.",
    )
    vat_number = models.CharField(
        max_length=30,
        blank=True,
        help_text="The VAT registration number its invoices print, such as FR40303265045.",
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
        "auto_match_threshold",
        "sepa_creditor_identifier",
        "language",
    )
    # Fields of the letterhead (audited as changes too, but not AR parameters).
    LETTERHEAD_FIELDS = ("address_lines", "postal_code", "city", "country", "vat_number")

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
            models.CheckConstraint(
                condition=Q(auto_match_threshold__lte=100),
                name="legal_entity_auto_match_threshold_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def postal_address(self) -> list[str]:
        """The address as printed, one line each: the address lines, postal code and city, and
        the country's name in the active language."""
        city = " ".join(p for p in (self.postal_code, self.city) if p)
        country = country_name(self.country) if self.country else ""
        return [*self.address_lines.splitlines(), *(p for p in (city, country) if p)]


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


class UserPreference(models.Model):
    """What a user chose for themselves: the language their pages are written in (empty: the
    browser's)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    language = language_field(blank=True)

    def __str__(self) -> str:
        return f"{self.user} {self.language}"
