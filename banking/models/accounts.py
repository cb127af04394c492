"""The legal entities' own bank accounts, and the column mappings of their CSV statements."""

from django.db import models
from django.db.models import Q

from core.bank_codes import bic_validator, iban_validator
from core.fields import code_validator, currency_field
from entities.models import LegalEntity
from ledger.models import MainAccount


class BankAccount(models.Model):
    """A legal entity's account at a bank; its ``bank`` postings go to ``main_account``."""

    legal_entity = models.ForeignKey(
        LegalEntity, on_delete=models.PROTECT, related_name="bank_accounts"
    )
    code = models.CharField(max_length=20, validators=[code_validator])
    name = models.CharField(max_length=120)
    iban = models.CharField(max_length=34, unique=True, validators=[iban_validator])
    account_number = models.CharField(
        max_length=60,
        blank=True,
        help_text="The number a bank's statements may name the account by instead of its IBAN "
        "(e.g. MT940 :25: 50880050/0194774600888).",
    )
    bic = models.CharField(max_length=11, blank=True, validators=[bic_validator])
    currency = currency_field()
    main_account = models.ForeignKey(MainAccount, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_entity__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "code"], name="bank_account_code_unique_per_entity"
            ),
            models.UniqueConstraint(
                fields=["account_number"],
                condition=~Q(account_number=""),
                name="bank_account_number_unique",
            ),
            # Its reconciliation reads the main account's balance: one bank account each.
            models.UniqueConstraint(
                fields=["main_account"], name="bank_account_main_account_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.code} {self.iban}"


class CsvMapping(models.Model):
    """How a bank's CSV export reads: which column holds what, and how dates and amounts are
    written. Saved once per layout, chosen at import."""

    class Sign(models.TextChoices):
        SIGNED = "signed", "One amount column, money in positive"
        INVERTED = "inverted", "One amount column, money in negative"
        DEBIT_CREDIT = "debit_credit", "Separate debit and credit columns"
        INDICATOR = "indicator", "Amount column and a debit/credit indicator column"

    legal_entity = models.ForeignKey(
        LegalEntity, on_delete=models.PROTECT, related_name="csv_mappings"
    )
    name = models.CharField(max_length=60)
    delimiter = models.CharField(max_length=1, default=";")
    encoding = models.CharField(max_length=20, default="utf-8")
    header_rows = models.PositiveSmallIntegerField(
        default=1, help_text="Rows before the first statement line (column titles included)"
    )
    date_format = models.CharField(max_length=20, default="%d.%m.%Y")
    decimal_separator = models.CharField(max_length=1, default=",")
    thousands_separator = models.CharField(max_length=1, blank=True, default=".")
    sign = models.CharField(max_length=12, choices=Sign.choices, default=Sign.SIGNED)
    debit_indicator = models.CharField(
        max_length=10, blank=True, default="D", help_text="With sign 'indicator': the debit mark"
    )
    # Column of each field: a column title (with a header row) or a 1-based number. Fields:
    # booking_date, value_date, amount, debit, credit, indicator, currency, counterparty_name,
    # counterparty_iban, counterparty_bic, remittance_info, structured_reference,
    # end_to_end_id, bank_reference.
    columns = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_entity__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "name"], name="csv_mapping_name_unique_per_entity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.name}"
