"""One ``OpenTransaction`` per posted document: the sub-ledger row that settlement closes,
with the cash discount schedule stored at posting. Only the receivables services write it
(``open_transaction_reduce`` / ``open_transaction_restore``)."""

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Replace, Upper
from django.utils.translation import pgettext_lazy

from core.fields import amount_field, currency_field
from core.money import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS
from entities.models import Customer, LegalEntity, Party
from ledger.models import Voucher

from .codes import CashDiscount
from .documents import CreditNote, Invoice, Payment, Refund

# A document number as remittance texts carry it: upper case, without dashes ("FABE-INV-000014"
# and "fabeinv000014" are the same key). The same expression in Python: ``document_number_key``.
DOCUMENT_NUMBER_KEY = Replace(Upper("document_number"), Value("-"), Value(""))


def document_number_key(text: str) -> str:
    return text.upper().replace("-", "")


class OpenTransaction(models.Model):
    """The customer transaction a posted document creates; settlement closes it.

    Signed, debit positive: invoices and interest notes are debits, credit notes and payments
    credits. ``open_amount`` moves from ``amount`` towards zero and never crosses it; when it
    reaches zero, ``open_accounting_amount`` is exactly zero too.
    """

    class Kind(models.TextChoices):
        INVOICE = "invoice", pgettext_lazy("transaction kind", "Invoice")
        CREDIT_NOTE = "credit_note", pgettext_lazy("transaction kind", "Credit note")
        PAYMENT = "payment", pgettext_lazy("transaction kind", "Payment")
        INTEREST_NOTE = "interest_note", pgettext_lazy("transaction kind", "Interest note")
        REFUND = "refund", pgettext_lazy("transaction kind", "Refund")
        # A bill of exchange the customer did not pay at maturity: its amount (and the protest
        # charges) owed again.
        PROTESTED_BILL = (
            "protested_bill",
            pgettext_lazy("transaction kind", "Protested bill of exchange"),
        )

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="open_transactions"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="open_transactions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    invoice = models.OneToOneField(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="open_transaction"
    )
    credit_note = models.OneToOneField(
        CreditNote,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="open_transaction",
    )
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="open_transaction"
    )
    refund = models.OneToOneField(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="open_transaction"
    )
    interest_note = models.OneToOneField(
        "receivables.InterestNote",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="open_transaction",
    )
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="+")
    document_number = models.CharField(max_length=30)
    date = models.DateField()
    due_date = models.DateField()
    currency = currency_field()
    rate = models.DecimalField(max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES)
    amount = amount_field()
    open_amount = amount_field()
    accounting_amount = amount_field()
    open_accounting_amount = amount_field()
    amount_before_tax = amount_field(help_text="Signed like amount; the cash discount base")
    cash_discount = models.ForeignKey(
        CashDiscount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_on = models.DateField(null=True, blank=True)
    disputed = models.BooleanField(
        default=False,
        db_default=False,  # rows written with plain SQL (bulk postings) are not disputed
        help_text="In dispute: no collection letter and no interest meanwhile",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "date", "document_number", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="open_transaction_amount_not_zero"),
            models.CheckConstraint(
                condition=(
                    Q(amount__gt=0) & Q(open_amount__gte=0) & Q(open_amount__lte=F("amount"))
                )
                | (Q(amount__lt=0) & Q(open_amount__lte=0) & Q(open_amount__gte=F("amount"))),
                name="open_transaction_open_amount_within_amount",
            ),
            models.CheckConstraint(
                condition=(
                    Q(accounting_amount__gte=0)
                    & Q(open_accounting_amount__gte=0)
                    & Q(open_accounting_amount__lte=F("accounting_amount"))
                )
                | (
                    Q(accounting_amount__lte=0)
                    & Q(open_accounting_amount__lte=0)
                    & Q(open_accounting_amount__gte=F("accounting_amount"))
                ),
                name="open_transaction_open_accounting_within_accounting",
            ),
            models.CheckConstraint(
                condition=~Q(open_amount=0) | Q(open_accounting_amount=0),
                name="open_transaction_closed_means_zero_accounting",
            ),
            models.CheckConstraint(
                condition=Q(open_amount=0, closed_on__isnull=False)
                | (~Q(open_amount=0) & Q(closed_on__isnull=True)),
                name="open_transaction_closed_on_iff_closed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["party"], condition=~Q(open_amount=0), name="open_tx_party_open_idx"
            ),
            models.Index(fields=["customer", "due_date"], name="open_tx_customer_due_idx"),
            models.Index(fields=["legal_entity", "due_date"], name="open_tx_entity_due_idx"),
            # A document number named in a bank statement's remittance text, with or without
            # its dashes (see ``document_number_key``).
            models.Index(
                DOCUMENT_NUMBER_KEY,
                condition=~Q(open_amount=0),
                name="open_tx_open_number_key_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.get_kind_display()} {self.document_number}"

    @property
    def is_debit(self) -> bool:
        return self.amount > 0

    @property
    def is_open(self) -> bool:
        return self.open_amount != 0


class OpenTransactionDiscount(models.Model):
    """One cash discount period of an open transaction: pay by ``until`` and ``amount`` (signed
    like the transaction) is taken off."""

    open_transaction = models.ForeignKey(
        OpenTransaction, on_delete=models.CASCADE, related_name="cash_discounts"
    )
    until = models.DateField()
    percent = models.DecimalField(max_digits=7, decimal_places=4)
    amount = amount_field()

    class Meta:
        ordering = ["open_transaction", "until"]
        constraints = [
            models.UniqueConstraint(
                fields=["open_transaction", "until"], name="open_tx_discount_unique_until"
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} until {self.until}"
