"""SEPA direct debits: the mandates customers sign, the collection runs that draw on them (each
with its pain.008 file) and the payment each run posted per mandate, the row a return comes
back to by end-to-end id."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from core.fields import amount_field, currency_field
from core.models import Job
from entities.models import Customer, LegalEntity
from receivables.models import Payment

from .accounts import BankAccount


class SequenceType(models.TextChoices):
    """The pain.008 sequence type of a collection under a mandate."""

    FRST = "FRST", "First of a recurrent mandate"
    RCUR = "RCUR", "Recurrent"
    OOFF = "OOFF", "One-off"


class DirectDebitMandate(models.Model):
    """A customer's authorization to collect from its account (SPEC section 11). Its status
    changes along ``banking.services.direct_debits.mandates.TRANSITIONS`` only."""

    class Scheme(models.TextChoices):
        CORE = "CORE", pgettext_lazy("mandate scheme", "CORE (consumers and businesses)")
        B2B = "B2B", pgettext_lazy("mandate scheme", "B2B (businesses only)")

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("mandate status", "Active")
        CANCELLED = "cancelled", pgettext_lazy("mandate status", "Cancelled")
        EXPIRED = "expired", pgettext_lazy("mandate status", "Expired")
        COMPLETED = "completed", pgettext_lazy("mandate status", "Completed")

    legal_entity = models.ForeignKey(
        LegalEntity, on_delete=models.PROTECT, related_name="direct_debit_mandates"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="direct_debit_mandates"
    )
    reference = models.CharField(
        max_length=35, help_text="Unique mandate reference (UMR) under the entity's creditor id"
    )
    iban = models.CharField(max_length=34, help_text="The debtor's account")
    bic = models.CharField(max_length=11, blank=True)
    debtor_name = models.CharField(
        max_length=70, blank=True, help_text="Account holder; the customer's name when blank"
    )
    signature_date = models.DateField()
    scheme = models.CharField(max_length=4, choices=Scheme.choices, default=Scheme.CORE)
    recurrent = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    next_sequence_type = models.CharField(max_length=4, choices=SequenceType.choices)
    last_collection_date = models.DateField(null=True, blank=True)
    # Returns: how many collections under it came back, the last reason (ISO 20022 code), and
    # whether a reason (no mandate, mandate cancelled by the debtor) asks someone to look.
    return_count = models.PositiveIntegerField(default=0)
    last_return_reason = models.CharField(max_length=4, blank=True)
    needs_attention = models.BooleanField(default=False)
    cancelled_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_entity__code", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "reference"], name="dd_mandate_reference_unique_per_entity"
            ),
            # One payment per mandate in a run: a customer's debits go to one active mandate.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status="active"),
                name="dd_mandate_one_active_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(recurrent=True, next_sequence_type__in=["FRST", "RCUR"])
                | Q(recurrent=False, next_sequence_type="OOFF"),
                name="dd_mandate_sequence_type_of_its_kind",
            ),
        ]
        indexes = [models.Index(fields=["legal_entity", "status"], name="dd_mandate_status_idx")]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.reference}"


class DirectDebitCollection(models.Model):
    """A collection run of a legal entity on a bank account: queued, then collected (its
    payments posted and settled, its pain.008 stored) or failed (nothing of it posted)."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("collection run status", "Queued")
        COLLECTED = "collected", pgettext_lazy("collection run status", "Collected")
        FAILED = "failed", pgettext_lazy("collection run status", "Failed")

    legal_entity = models.ForeignKey(
        LegalEntity, on_delete=models.PROTECT, related_name="direct_debit_collections"
    )
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="direct_debit_collections"
    )
    collection_date = models.DateField()
    due_until = models.DateField(help_text="Debits due on or before this date are collected")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    currency = currency_field()
    count = models.PositiveIntegerField(default=0)
    total = amount_field(default=0)
    message_id = models.CharField(max_length=35, blank=True)
    file = models.TextField(blank=True, help_text="The pain.008 document")
    error = models.TextField(blank=True)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    collected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-collection_date", "-id"]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} direct debits {self.collection_date} ({self.pk})"


class DirectDebitPayment(models.Model):
    """What a run collected under one mandate: its posted payment (settled against the
    debits), the end-to-end id the bank names it by, and the sequence type it went with."""

    collection = models.ForeignKey(
        DirectDebitCollection, on_delete=models.PROTECT, related_name="payments"
    )
    mandate = models.ForeignKey(
        DirectDebitMandate, on_delete=models.PROTECT, related_name="collected"
    )
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="direct_debit")
    end_to_end_id = models.CharField(max_length=35, unique=True)
    sequence_type = models.CharField(max_length=4, choices=SequenceType.choices)
    amount = amount_field()
    cash_discount = amount_field(default=0)
    debits = models.PositiveIntegerField(help_text="How many open debits it settled")
    return_reason = models.CharField(max_length=4, blank=True)
    returned_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["collection", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "mandate"], name="dd_payment_one_per_mandate_and_run"
            )
        ]

    def __str__(self) -> str:
        return self.end_to_end_id
