"""Card payments: an authorization on a customer's card against one open invoice, its capture
(a payment, method card, settled against the invoice), void and refunds; every call to the
gateway and its answer is kept as a ``CardGatewayEvent``.

Only what the gateway gives back about the card is stored: its token, brand, last four digits
and expiry. The card number and the CVC are passed to the gateway and forgotten."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from core.fields import amount_field, currency_field
from entities.models import Customer, LegalEntity
from receivables.models import OpenTransaction, Payment, Refund
from settlement.models import Settlement

from .accounts import BankAccount


class CardPayment(models.Model):
    class Status(models.TextChoices):
        AUTHORIZED = "authorized", pgettext_lazy("card payment status", "Authorized")
        CAPTURED = "captured", pgettext_lazy("card payment status", "Captured")
        PARTIALLY_REFUNDED = (
            "partially_refunded",
            pgettext_lazy("card payment status", "Partially refunded"),
        )
        REFUNDED = "refunded", pgettext_lazy("card payment status", "Refunded")
        VOIDED = "voided", pgettext_lazy("card payment status", "Voided")
        DECLINED = "declined", pgettext_lazy("card payment status", "Declined")
        FAILED = "failed", pgettext_lazy("card payment status", "Failed")

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    open_transaction = models.ForeignKey(
        OpenTransaction,
        on_delete=models.PROTECT,
        related_name="card_payments",
        help_text="The invoice's open transaction the payment is for",
    )
    currency = currency_field()
    authorized_amount = amount_field()
    captured_amount = amount_field(default=0)
    refunded_amount = amount_field(default=0)
    status = models.CharField(max_length=20, choices=Status.choices)
    gateway = models.CharField(max_length=200, help_text="The gateway class that holds the card")
    token = models.CharField(max_length=200, blank=True)
    brand = models.CharField(max_length=30, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    expiry_month = models.PositiveSmallIntegerField(null=True, blank=True)
    expiry_year = models.PositiveSmallIntegerField(null=True, blank=True)
    authorization_reference = models.CharField(max_length=200, blank=True)
    capture_reference = models.CharField(
        max_length=200,
        blank=True,
        help_text="Set when the gateway approved the capture, even if posting it then failed",
    )
    void_reference = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=60, blank=True, help_text="The gateway's last answer")
    message = models.CharField(max_length=300, blank=True)
    posting_error = models.CharField(
        max_length=2000,
        blank=True,
        help_text="Why a capture the gateway approved could not be posted; capture again to post",
    )
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="card_payment"
    )
    settlement = models.OneToOneField(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(authorized_amount__gt=0), name="card_payment_authorized_positive"
            ),
            models.CheckConstraint(
                condition=Q(captured_amount__gte=0)
                & Q(captured_amount__lte=models.F("authorized_amount")),
                name="card_payment_captured_within_authorized",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0)
                & Q(refunded_amount__lte=models.F("captured_amount")),
                name="card_payment_refunded_within_captured",
            ),
        ]
        indexes = [models.Index(fields=["legal_entity", "status"])]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} card payment {self.pk} ({self.brand} •••• {self.last4})"

    @property
    def refundable_amount(self):
        return self.captured_amount - self.refunded_amount


class CardRefund(models.Model):
    """Money given back on the card: a refund (customer balance Dr / card clearing Cr), settled
    against the credit it pays back when one was named."""

    card_payment = models.ForeignKey(CardPayment, on_delete=models.PROTECT, related_name="refunds")
    amount = amount_field()
    date = models.DateField()
    gateway_reference = models.CharField(max_length=200)
    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, related_name="+")
    settlement = models.OneToOneField(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["card_payment", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="card_refund_amount_positive"),
            # A refund the gateway made is posted once, however often it is retried.
            models.UniqueConstraint(
                fields=["card_payment", "gateway_reference"],
                name="card_refund_gateway_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} of card payment {self.card_payment_id}"


class CardGatewayEvent(models.Model):
    """One call to the gateway and its answer, kept whatever happened after."""

    class Operation(models.TextChoices):
        AUTHORIZE = "authorize", pgettext_lazy("card operation", "Authorize")
        CAPTURE = "capture", pgettext_lazy("card operation", "Capture")
        VOID = "void", pgettext_lazy("card operation", "Void")
        REFUND = "refund", pgettext_lazy("card operation", "Refund")

    card_payment = models.ForeignKey(CardPayment, on_delete=models.PROTECT, related_name="events")
    operation = models.CharField(max_length=10, choices=Operation.choices)
    amount = amount_field(null=True, blank=True)
    currency = currency_field()
    reference = models.CharField(max_length=200, help_text="Our reference, the idempotency key")
    approved = models.BooleanField()
    code = models.CharField(max_length=60)
    message = models.CharField(max_length=300, blank=True)
    gateway_reference = models.CharField(max_length=200, blank=True)
    posting_error = models.CharField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["card_payment", "id"]

    def __str__(self) -> str:
        return f"{self.operation} {self.code}"


class CardClearingAccount(models.Model):
    """The bank account card money moves on in a legal entity (the acquirer's settlement
    account): captures debit and refunds credit its main account. Without one, the ``bank``
    posting setup's account."""

    legal_entity = models.OneToOneField(
        LegalEntity, on_delete=models.PROTECT, related_name="card_clearing_account"
    )
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["legal_entity__code"]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} card clearing: {self.bank_account.code}"
