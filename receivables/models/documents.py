"""Free-text invoices and credit notes (with lines), customer payments (optionally entered
together in a payment journal) and refunds. Documents are drafts until posted and never edited
after; a posted invoice is corrected by a credit note, a posted payment by a reversal."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import pgettext_lazy

from core.fields import amount_field, currency_field
from entities.models import Customer, LegalEntity
from ledger.models import MainAccount, Voucher

from .codes import CashDiscount, PaymentTerms, SalesTaxCode


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("document status", "Draft")
    POSTED = "posted", pgettext_lazy("document status", "Posted")
    REVERSED = "reversed", pgettext_lazy("document status", "Reversed")


class SalesDocument(models.Model):
    """What invoices and credit notes share."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=30, blank=True, help_text="Given when posted")
    date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    currency = currency_field()
    payment_terms = models.ForeignKey(
        PaymentTerms, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cash_discount = models.ForeignKey(
        CashDiscount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    total = amount_field(default=0)
    tax_amount = amount_field(default=0)
    voucher = models.OneToOneField(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.number or f'draft {self.pk}'}"

    @property
    def amount_before_tax(self):
        return self.total - self.tax_amount


def _document_constraints(prefix: str) -> list:
    return [
        models.UniqueConstraint(
            fields=["legal_entity", "number"],
            condition=~Q(number=""),
            name=f"{prefix}_number_unique_per_entity",
        ),
        models.CheckConstraint(
            condition=Q(status=DocumentStatus.DRAFT) | (~Q(number="") & Q(voucher__isnull=False)),
            name=f"{prefix}_posted_has_number_and_voucher",
        ),
        models.CheckConstraint(
            condition=Q(tax_amount__gte=0) & Q(total__gte=F("tax_amount")),
            name=f"{prefix}_totals_not_negative",
        ),
    ]


class Invoice(SalesDocument):
    """A free-text invoice: lines with description and amount, no sales order."""

    class Meta:
        ordering = ["-date", "-id"]
        constraints = _document_constraints("invoice")
        indexes = [models.Index(fields=["legal_entity", "status", "date"])]


class CreditNote(SalesDocument):
    """Reduces what the customer owes; optionally refers to the invoice it corrects."""

    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )

    class Meta:
        ordering = ["-date", "-id"]
        constraints = _document_constraints("credit_note")
        indexes = [models.Index(fields=["legal_entity", "status", "date"])]


class DocumentLine(models.Model):
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=1)
    unit_price = amount_field(null=True, blank=True)
    amount = amount_field(help_text="Quantity × unit price, or entered directly; before tax")
    sales_tax_code = models.ForeignKey(
        SalesTaxCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tax_amount = amount_field(default=0)
    account = models.ForeignKey(
        MainAccount,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Overrides the revenue (or sales returns) account of the posting setup",
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        ordering = ["invoice", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(tax_amount__gte=0),
                name="invoice_line_amounts_positive",
            ),
        ]


class CreditNoteLine(DocumentLine):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        ordering = ["credit_note", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(tax_amount__gte=0),
                name="credit_note_line_amounts_positive",
            ),
        ]


class InvoiceCorrection(models.Model):
    """A posted invoice corrected (Dynamics 365 "Correct"): a credit note of all of it, dated
    the correction date and settled against it, so both are closed, and a new draft invoice
    copying it for the clerk to change and post. The chain reads original → credit note →
    correcting invoice; deleting the correcting draft leaves the correction itself standing."""

    original = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="correction")
    credit_note = models.OneToOneField(
        CreditNote, on_delete=models.PROTECT, related_name="correction"
    )
    correcting_invoice = models.OneToOneField(
        Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="corrects"
    )
    date = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(correcting_invoice=F("original")),
                name="invoice_correction_not_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"Correction of {self.original} by {self.credit_note}"


class PaymentJournal(models.Model):
    """Several payment lines entered on one page, kept as a draft until posted together (its
    lines are ``PaymentJournalLine``; the payments it posted point back at it)."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["legal_entity", "status"])]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} journal {self.pk}"


class Payment(models.Model):
    class Method(models.TextChoices):
        CHECK = "check", pgettext_lazy("payment method", "Check")
        ELECTRONIC = "electronic", pgettext_lazy("payment method", "Electronic payment")
        CASH = "cash", pgettext_lazy("payment method", "Cash")
        CARD = "card", pgettext_lazy("payment method", "Card")
        BILL_OF_EXCHANGE = "bill_of_exchange", pgettext_lazy("payment method", "Bill of exchange")

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=30, blank=True, help_text="Given when posted")
    date = models.DateField()
    amount = amount_field(help_text="Received, positive")
    currency = currency_field()
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.ELECTRONIC)
    reference = models.CharField(max_length=60, blank=True)
    bank_account = models.CharField(max_length=40, blank=True)
    bank_ledger_account = models.ForeignKey(
        MainAccount,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The main account of the bank account received on; empty: the bank posting "
        "setup's account.",
    )
    end_to_end_id = models.CharField(
        max_length=35,
        blank=True,
        help_text="The end-to-end id of a collected direct debit: a returned debit names it.",
    )
    status = models.CharField(
        max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    journal = models.ForeignKey(
        PaymentJournal, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    voucher = models.OneToOneField(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_voucher = models.OneToOneField(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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
                name="payment_number_unique_per_entity",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(status=DocumentStatus.DRAFT)
                | (~Q(number="") & Q(voucher__isnull=False)),
                name="payment_posted_has_number_and_voucher",
            ),
        ]
        indexes = [
            models.Index(fields=["legal_entity", "status", "date"]),
            models.Index(
                fields=["end_to_end_id"],
                condition=~Q(end_to_end_id=""),
                name="payment_end_to_end_id_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.number or f'draft payment {self.pk}'}"


class Refund(models.Model):
    """Money paid back to a customer (reimbursement of a credit balance): customer balance Dr /
    bank Cr; its open debit is settled against the credit it pays back."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=30)
    date = models.DateField()
    amount = amount_field(help_text="Paid back, positive")
    currency = currency_field()
    method = models.CharField(
        max_length=20, choices=Payment.Method.choices, default=Payment.Method.ELECTRONIC
    )
    reference = models.CharField(max_length=60, blank=True)
    voucher = models.OneToOneField(Voucher, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "number"], name="refund_number_unique_per_entity"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.number}"
