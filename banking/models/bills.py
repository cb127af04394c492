"""Bills of exchange (D365 "lettres de change"): drawn on a customer for some of its open debits,
accepted, remitted to a bank for collection or for discount, then settled at maturity or
protested. Each step is a row of the bill's history with the voucher it posted; the services
(``banking.services.bills``) are the only writers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from core.fields import amount_field, currency_field
from entities.models import Customer, LegalEntity
from ledger.models import Voucher
from receivables.models import OpenTransaction, Payment
from settlement.models import Settlement

from .accounts import BankAccount


class BillOfExchange(models.Model):
    class Status(models.TextChoices):
        DRAWN = "drawn", pgettext_lazy("bill status", "Drawn")
        ACCEPTED = "accepted", pgettext_lazy("bill status", "Accepted")
        REMITTED_COLLECTION = (
            "remitted_collection",
            pgettext_lazy("bill status", "Remitted for collection"),
        )
        REMITTED_DISCOUNT = (
            "remitted_discount",
            pgettext_lazy("bill status", "Remitted for discount"),
        )
        SETTLED = "settled", pgettext_lazy("bill status", "Settled")
        PROTESTED = "protested", pgettext_lazy("bill status", "Protested")
        REVERSED = "reversed", pgettext_lazy("bill status", "Reversed")

    legal_entity = models.ForeignKey(
        LegalEntity, on_delete=models.PROTECT, related_name="bills_of_exchange"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=30)
    date = models.DateField(help_text="Drawn on")
    due_date = models.DateField(help_text="Maturity")
    currency = currency_field()
    amount = amount_field()
    accounting_amount = amount_field(
        help_text="What the bill is carried at on the bill accounts: its value on the day drawn"
    )
    discount_accounting_amount = amount_field(
        null=True,
        blank=True,
        help_text="Remitted for discount: what the bank advanced, valued on the remittance day",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAWN)
    payment = models.OneToOneField(
        Payment,
        on_delete=models.PROTECT,
        related_name="bill_of_exchange",
        help_text="The customer's credit the bill is (method bill of exchange)",
    )
    settlement = models.ForeignKey(
        Settlement,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The settlement of the bill against the debits it was drawn for",
    )
    bank_account = models.ForeignKey(
        BankAccount,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bills_of_exchange",
        help_text="The bank the bill is remitted to",
    )
    protest_transaction = models.OneToOneField(
        OpenTransaction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="protested_bill",
        help_text="The open debit the protest gave back to the customer",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "bill of exchange"
        verbose_name_plural = "bills of exchange"
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "number"], name="bill_of_exchange_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="bill_of_exchange_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("date")),
                name="bill_of_exchange_due_after_drawn",
            ),
        ]
        indexes = [models.Index(fields=["legal_entity", "status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.number}"


class BillOfExchangeTransaction(models.Model):
    """A debit the bill was drawn for, and how much of it the bill settled."""

    bill = models.ForeignKey(BillOfExchange, on_delete=models.CASCADE, related_name="transactions")
    open_transaction = models.ForeignKey(
        OpenTransaction, on_delete=models.PROTECT, related_name="+"
    )
    amount = amount_field()

    class Meta:
        ordering = ["bill", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bill", "open_transaction"], name="bill_of_exchange_transaction_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bill.number} {self.open_transaction.document_number}"


class BillOfExchangeStep(models.Model):
    """One step of a bill's life, with the voucher it posted; a reversed step keeps its row
    and names its reversing voucher."""

    class Kind(models.TextChoices):
        DRAW = "draw", pgettext_lazy("bill step", "Draw")
        ACCEPT = "accept", pgettext_lazy("bill step", "Accept")
        REMIT_COLLECTION = "remit_collection", pgettext_lazy("bill step", "Remit for collection")
        REMIT_DISCOUNT = "remit_discount", pgettext_lazy("bill step", "Remit for discount")
        SETTLE = "settle", pgettext_lazy("bill step", "Settle")
        PROTEST = "protest", pgettext_lazy("bill step", "Protest")

    bill = models.ForeignKey(BillOfExchange, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status_before = models.CharField(
        max_length=20, choices=BillOfExchange.Status.choices, blank=True
    )
    status_after = models.CharField(max_length=20, choices=BillOfExchange.Status.choices)
    date = models.DateField()
    bank_account = models.ForeignKey(
        BankAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    charges = amount_field(default=0)
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversed_on = models.DateField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bill", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(charges__gte=0), name="bill_step_charges_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill.number} {self.get_kind_display()} {self.date}"

    @property
    def reversed(self) -> bool:
        return self.reversed_on is not None
