"""A party's customer account in one legal entity, and customer groups. The receivables codes
an account names (terms of payment, cash discount, interest code) belong to ``receivables`` and
are referred to by label, so that this app imports nothing above it."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.fields import amount_field, code_validator, currency_field, language_field

from .legal_entities import LegalEntity
from .parties import Party


class CustomerGroup(models.Model):
    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


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
    language = language_field(
        blank=True,
        help_text="The language letters, statements, invoices and credit notes to this customer "
        "are written in (empty: the legal entity's).",
    )
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

    @property
    def document_language(self) -> str:
        """The language its letters, statements, invoices and credit notes are written in."""
        return self.language or self.legal_entity.language
