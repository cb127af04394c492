"""The collections manager's work on a customer: the agent who owns it, activities (calls,
emails, meetings, notes, promises to pay, with follow-up dates), disputes on transactions,
collection letters sent in a sequence, small balances written off, and customer pools (saved
criteria that make the lists of the collections page)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy

from core.fields import amount_field, code_validator, currency_field, language_field
from core.money import format_amount
from entities.models import Customer, LegalEntity, Party
from ledger.models import Voucher
from receivables.models import OpenTransaction


class CollectionsProfile(models.Model):
    """A customer's collections agent (the user who works it)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="collections")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collections_customers",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.customer} → {self.agent}"


class Activity(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", pgettext_lazy("activity", "Call")
        EMAIL = "email", pgettext_lazy("activity", "Email")
        MEETING = "meeting", pgettext_lazy("activity", "Meeting")
        NOTE = "note", pgettext_lazy("activity", "Note")
        PROMISE = "promise_to_pay", pgettext_lazy("activity", "Promise to pay")
        LETTER = "letter", pgettext_lazy("activity", "Collection letter")
        DISPUTE = "dispute", pgettext_lazy("activity", "Dispute")
        WRITE_OFF = "write_off", pgettext_lazy("activity", "Write-off")
        CREDIT_HOLD = "credit_hold", pgettext_lazy("activity", "Credit hold")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    open_transaction = models.ForeignKey(
        OpenTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    follow_up_on = models.DateField(null=True, blank=True)
    promised_on = models.DateField(null=True, blank=True)
    promised_amount = amount_field(null=True, blank=True)
    currency = currency_field(blank=True)
    done = models.BooleanField(default=False, help_text="The follow-up is done")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="promise_to_pay")
                | (
                    Q(promised_on__isnull=False)
                    & Q(promised_amount__isnull=False)
                    & Q(promised_amount__gt=0)
                ),
                name="activity_promise_has_date_and_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="activity_customer_idx"),
            models.Index(fields=["party", "-created_at"], name="activity_party_idx"),
            models.Index(
                fields=["follow_up_on"], condition=Q(done=False), name="activity_follow_up_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


class Dispute(models.Model):
    """A transaction the customer disputes: while open it gets no collection letter and no
    interest."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    open_transaction = models.ForeignKey(
        OpenTransaction, on_delete=models.PROTECT, related_name="disputes"
    )
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(max_length=200, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["open_transaction"],
                condition=Q(status="open"),
                name="dispute_one_open_per_transaction",
            ),
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True)
                | Q(status="resolved", resolved_at__isnull=False),
                name="dispute_resolved_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute on {self.open_transaction} ({self.get_status_display().lower()})"


class LetterStep(models.Model):
    """One letter of a collection letter sequence: sent when the oldest undisputed overdue
    transaction is at least ``days_overdue`` days overdue and the previous step was sent."""

    sequence = models.CharField(max_length=20, validators=[code_validator], default="STANDARD")
    step = models.PositiveSmallIntegerField()
    days_overdue = models.PositiveIntegerField()
    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text="Text before the list of overdue transactions; {customer}, {legal_entity} "
        "and {total} are replaced."
    )

    class Meta:
        ordering = ["sequence", "step"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "step"], name="letter_step_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} letter {self.step} ({self.days_overdue} days)"

    # The standard steps' texts are in the translations; a text written in the admin is not,
    # and comes out as written.
    @property
    def display_subject(self) -> str:
        return gettext(self.subject) if self.subject else ""

    @property
    def display_body(self) -> str:
        return gettext(self.body) if self.body else ""


class CollectionLetter(models.Model):
    """A letter sent to a customer: what it listed, as it was, and to whom it went."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    step = models.ForeignKey(LetterStep, on_delete=models.PROTECT, related_name="letters")
    date = models.DateField()
    currency = currency_field()
    total = amount_field()
    # [{"open_transaction", "document_number", "due_date", "days_overdue", "open_amount"}, ...]
    transactions = models.JSONField(default=list)
    html = models.TextField()
    # The customer's language when it was sent: its PDF and email are written in it too.
    language = language_field(default="en")
    emailed_to = models.CharField(max_length=254, blank=True)
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the email went out (empty: not sent)"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.step} to {self.customer.account} on {self.date}"


class WriteOff(models.Model):
    """A small balance written off: customer balance Cr / write-off Dr, limited by the legal
    entity's maximum; it closes (part of) the open transaction."""

    open_transaction = models.ForeignKey(
        OpenTransaction, on_delete=models.PROTECT, related_name="write_offs"
    )
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    currency = currency_field()
    amount = amount_field(help_text="In the transaction's currency, positive")
    accounting_amount = amount_field()
    reason = models.CharField(max_length=200)
    voucher = models.OneToOneField(Voucher, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_amount_positive"),
            models.CheckConstraint(
                condition=Q(accounting_amount__gte=0), name="write_off_accounting_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Write-off {format_amount(self.amount, self.currency)} {self.currency} "
            f"of {self.open_transaction}"
        )


class CustomerPool(models.Model):
    """Saved criteria for the collections page (D365 customer pools), e.g. overdue more than 60
    days and balance over 10,000 in FAB and FABE. ``services.pool_criteria_validate`` checks
    ``criteria``: min_days_overdue, min_overdue, min_balance, legal_entities, currency, agent."""

    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120)
    criteria = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


__all__ = [
    "Activity",
    "CollectionLetter",
    "CollectionsProfile",
    "CustomerPool",
    "Dispute",
    "LetterStep",
    "WriteOff",
]
