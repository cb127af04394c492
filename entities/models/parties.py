"""The global address book: parties, their addresses and contacts, shared by every legal
entity (changed by a group data steward)."""

from django.db import models

from core.bank_codes import bic_validator, iban_validator
from core.fields import code_validator


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


class PartyBankAccount(models.Model):
    """A bank account the party pays from: its IBAN identifies the party on a bank statement.
    One IBAN belongs to at most one party."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="bank_accounts")
    iban = models.CharField(max_length=34, unique=True, validators=[iban_validator])
    bic = models.CharField(max_length=11, blank=True, validators=[bic_validator])
    name = models.CharField(max_length=120, blank=True, help_text="The account holder's name")

    class Meta:
        ordering = ["party", "iban"]

    def __str__(self) -> str:
        return self.iban
