"""Imported bank statements and their lines, with what matching proposed for each line and
what posting it made.

Amounts are signed as the bank sees the account: money in positive. A line's ``marked``
transactions (accepted from a proposal or changed by the clerk) are what posting settles."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from core.fields import amount_field, currency_field
from entities.models import Customer
from ledger.models import Voucher
from receivables.models import Payment, Refund
from settlement.models import Settlement

from .accounts import BankAccount


class BankStatement(models.Model):
    class Format(models.TextChoices):
        CAMT053 = "camt053", "ISO 20022 camt.053"
        MT940 = "mt940", "SWIFT MT940"
        CSV = "csv", "CSV"

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("bank statement status", "Open")
        RECONCILED = "reconciled", pgettext_lazy("bank statement status", "Reconciled")

    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="statements"
    )
    statement_id = models.CharField(max_length=140, help_text="The bank's statement identifier")
    format = models.CharField(max_length=10, choices=Format.choices)
    file_sha256 = models.CharField(max_length=64, help_text="The file it came in")
    file_name = models.CharField(max_length=200, blank=True)
    from_date = models.DateField()
    to_date = models.DateField()
    currency = currency_field()
    opening_balance = amount_field()
    closing_balance = amount_field()
    balance_warnings = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    warnings_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    warnings_resolved_note = models.TextField(
        blank=True, help_text="Why the balance warnings do not stand in the way of reconciling"
    )

    class Meta:
        ordering = ["bank_account", "-to_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "statement_id"], name="bank_statement_unique_id"
            ),
        ]
        indexes = [models.Index(fields=["bank_account", "file_sha256"])]

    def __str__(self) -> str:
        return f"{self.bank_account.code} {self.statement_id}"


class BankStatementLine(models.Model):
    class Status(models.TextChoices):
        UNMATCHED = "unmatched", pgettext_lazy("bank line status", "Unmatched")
        SUGGESTED = "suggested", pgettext_lazy("bank line status", "Suggested")
        MATCHED = "matched", pgettext_lazy("bank line status", "Matched")
        POSTED = "posted", pgettext_lazy("bank line status", "Posted")
        IGNORED = "ignored", pgettext_lazy("bank line status", "Ignored")

    DONE = (Status.POSTED, Status.IGNORED)

    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveIntegerField()
    line_key = models.CharField(
        max_length=250, help_text="Built from the bank's own references: a line comes in once"
    )
    booking_date = models.DateField()
    value_date = models.DateField()
    amount = amount_field(help_text="Signed, money in positive")
    currency = currency_field()
    counterparty_name = models.CharField(max_length=140, blank=True)
    counterparty_iban = models.CharField(max_length=34, blank=True)
    counterparty_bic = models.CharField(max_length=11, blank=True)
    remittance_info = models.TextField(blank=True)
    structured_reference = models.CharField(max_length=35, blank=True)
    end_to_end_id = models.CharField(max_length=35, blank=True)
    bank_reference = models.CharField(max_length=140, blank=True)
    bank_transaction_code = models.CharField(max_length=40, blank=True)
    return_reason = models.CharField(max_length=10, blank=True)
    charges = amount_field(default=0, help_text="Charges the bank took, as it reported them")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNMATCHED)
    # [{rule, confidence, reason, customer, tie, transactions: [{transaction, amount,
    # cash_discount}]}], best first.
    proposals = models.JSONField(default=list, blank=True)
    # What posting settles: [{transaction, amount, cash_discount, full_settlement}].
    marked = models.JSONField(default=list, blank=True)
    marked_by_user = models.BooleanField(
        default=False,
        help_text="The clerk accepted or changed the marked transactions: matching again "
        "leaves the line as it is",
    )
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The customer the payment (or refund) is posted for",
    )
    posting_type = models.CharField(
        max_length=30, blank=True, help_text="Posted to a ledger posting type instead"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refund = models.ForeignKey(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settlement = models.ForeignKey(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_payment = models.ForeignKey(
        Payment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The collected payment a returned direct debit reversed",
    )
    error = models.TextField(blank=True, help_text="Why the last posting attempt failed")
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["statement", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "line_key"], name="bank_statement_line_unique_key"
            ),
            models.UniqueConstraint(
                fields=["statement", "sequence"], name="bank_statement_line_unique_sequence"
            ),
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(posted_at__isnull=False),
                name="bank_statement_line_posted_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["statement", "status"]),
            models.Index(
                fields=["end_to_end_id"],
                condition=~Q(end_to_end_id=""),
                name="bank_line_end_to_end_id_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement} line {self.sequence}"
