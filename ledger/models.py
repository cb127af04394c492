"""The general ledger of each legal entity: main accounts, posting setup, fiscal periods,
vouchers with their gap-free numbers, and ledger entries.

Posted vouchers and entries are never updated or deleted; on PostgreSQL triggers refuse it and a
deferred constraint trigger refuses, at commit, any voucher that does not balance per currency.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import pgettext_lazy

from core.fields import amount_field, currency_field
from core.money import format_amount
from entities.models import Customer, LegalEntity


class PostingType(models.TextChoices):
    CUSTOMER_BALANCE = "customer_balance", pgettext_lazy("posting type", "Customer balance")
    REVENUE = "revenue", pgettext_lazy("posting type", "Revenue")
    SALES_TAX = "sales_tax", pgettext_lazy("posting type", "Sales tax")
    SALES_RETURNS = "sales_returns", pgettext_lazy("posting type", "Sales returns")
    BANK = "bank", pgettext_lazy("posting type", "Bank")
    BANK_CHARGES = "bank_charges", pgettext_lazy("posting type", "Bank charges")
    CASH_DISCOUNT = "cash_discount", pgettext_lazy("posting type", "Cash discount")
    FX_REALIZED_GAIN = "fx_realized_gain", pgettext_lazy("posting type", "Realized exchange gain")
    FX_REALIZED_LOSS = "fx_realized_loss", pgettext_lazy("posting type", "Realized exchange loss")
    PAYMENT_DIFFERENCE = "payment_difference", pgettext_lazy("posting type", "Over/underpayment")
    INTERCOMPANY_DUE_TO = (
        "intercompany_due_to",
        pgettext_lazy("posting type", "Intercompany due to"),
    )
    INTERCOMPANY_DUE_FROM = (
        "intercompany_due_from",
        pgettext_lazy("posting type", "Intercompany due from"),
    )
    INTEREST = "interest", pgettext_lazy("posting type", "Interest")
    WRITE_OFF = "write_off", pgettext_lazy("posting type", "Write-off")
    ROUNDING = "rounding", pgettext_lazy("posting type", "Rounding")
    BILL_OF_EXCHANGE = "bill_of_exchange", pgettext_lazy("posting type", "Bills of exchange")
    BILL_REMITTED_COLLECTION = (
        "bill_remitted_collection",
        pgettext_lazy("posting type", "Bills remitted for collection"),
    )
    BILL_REMITTED_DISCOUNT = (
        "bill_remitted_discount",
        pgettext_lazy("posting type", "Bills remitted for discount"),
    )
    BILL_DISCOUNT_CHARGES = (
        "bill_discount_charges",
        pgettext_lazy("posting type", "Bill discount charges"),
    )


INTERCOMPANY_TYPES = (PostingType.INTERCOMPANY_DUE_TO, PostingType.INTERCOMPANY_DUE_FROM)


class MainAccount(models.Model):
    class Kind(models.TextChoices):
        ASSET = "asset", "Asset"
        LIABILITY = "liability", "Liability"
        EQUITY = "equity", "Equity"
        REVENUE = "revenue", "Revenue"
        EXPENSE = "expense", "Expense"

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="accounts")
    number = models.CharField(max_length=30)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["legal_entity__code", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "number"], name="main_account_unique_per_entity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class PostingSetup(models.Model):
    """Which main account a posting type goes to; intercompany types may name a counterparty."""

    legal_entity = models.ForeignKey(
        LegalEntity, on_delete=models.PROTECT, related_name="posting_setup"
    )
    posting_type = models.CharField(max_length=30, choices=PostingType.choices)
    counterparty = models.ForeignKey(
        LegalEntity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(MainAccount, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["legal_entity__code", "posting_type", "counterparty__code"]
        verbose_name_plural = "posting setup"
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "posting_type"],
                condition=Q(counterparty__isnull=True),
                name="posting_setup_unique_default",
            ),
            models.UniqueConstraint(
                fields=["legal_entity", "posting_type", "counterparty"],
                condition=Q(counterparty__isnull=False),
                name="posting_setup_unique_counterparty",
            ),
            models.CheckConstraint(
                condition=Q(counterparty__isnull=True)
                | Q(posting_type__in=[t.value for t in INTERCOMPANY_TYPES]),
                name="posting_setup_counterparty_only_intercompany",
            ),
        ]

    def __str__(self) -> str:
        suffix = f" ({self.counterparty.code})" if self.counterparty_id else ""
        return f"{self.legal_entity.code} {self.posting_type}{suffix} → {self.account.number}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (
            self.account_id
            and self.legal_entity_id
            and (self.account.legal_entity_id != self.legal_entity_id)
        ):
            raise ValidationError({"account": "The account belongs to another legal entity."})
        if self.counterparty_id and self.counterparty_id == self.legal_entity_id:
            raise ValidationError({"counterparty": "An entity is not its own counterparty."})


class FiscalPeriod(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("fiscal period status", "Open")
        ON_HOLD = "on_hold", pgettext_lazy("fiscal period status", "On hold")
        CLOSED = "closed", pgettext_lazy("fiscal period status", "Closed")

    legal_entity = models.ForeignKey(
        LegalEntity, on_delete=models.PROTECT, related_name="fiscal_periods"
    )
    name = models.CharField(max_length=40)
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["legal_entity__code", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="fiscal_period_dates"),
            models.UniqueConstraint(
                fields=["legal_entity", "start"], name="fiscal_period_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.name} ({self.get_status_display()})"


class NumberSequence(models.Model):
    """Gap-free numbers: the row is locked by the transaction that takes a number."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=30)
    prefix = models.CharField(max_length=10)
    next_value = models.PositiveBigIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "name"], name="number_sequence_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.name} next {self.next_value}"


class Voucher(models.Model):
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="vouchers")
    number = models.CharField(max_length=30)
    date = models.DateField()
    description = models.CharField(max_length=200, blank=True)
    # What posted it, e.g. "invoice:12" or "settlement:7:FAB"; unique so a retry never posts twice.
    source_key = models.CharField(max_length=80, null=True, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_entity__code", "-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "number"], name="voucher_number_unique_per_entity"
            ),
            models.UniqueConstraint(
                fields=["legal_entity", "source_key"],
                condition=Q(source_key__isnull=False),
                name="voucher_source_unique",
            ),
        ]
        indexes = [models.Index(fields=["legal_entity", "date"])]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.number}"


class LedgerEntry(models.Model):
    """One voucher line. ``amount`` in the transaction currency, ``accounting_amount`` in the
    entity's accounting currency; both signed, debit positive."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="lines")
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    account = models.ForeignKey(MainAccount, on_delete=models.PROTECT, related_name="entries")
    posting_type = models.CharField(max_length=30, choices=PostingType.choices)
    counterparty = models.ForeignKey(
        LegalEntity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    currency = currency_field()
    amount = amount_field()
    accounting_amount = amount_field()
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["voucher_id", "id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(posting_type__in=[t.value for t in PostingType]),
                name="ledger_entry_known_posting_type",
            ),
            models.CheckConstraint(
                condition=(
                    Q(posting_type__in=[t.value for t in INTERCOMPANY_TYPES])
                    & Q(counterparty__isnull=False)
                    & ~Q(counterparty=F("legal_entity"))
                )
                | (
                    ~Q(posting_type__in=[t.value for t in INTERCOMPANY_TYPES])
                    & Q(counterparty__isnull=True)
                ),
                name="ledger_entry_counterparty_iff_intercompany",
            ),
            models.CheckConstraint(
                condition=~Q(amount=0) | ~Q(accounting_amount=0),
                name="ledger_entry_not_empty",
            ),
            models.CheckConstraint(
                condition=(Q(amount__gte=0) & Q(accounting_amount__gte=0))
                | (Q(amount__lte=0) & Q(accounting_amount__lte=0)),
                name="ledger_entry_same_sign",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="ledger_entry_currency_code"
            ),
        ]
        indexes = [
            models.Index(fields=["legal_entity", "account"]),
            models.Index(fields=["legal_entity", "posting_type", "date"]),
            models.Index(fields=["customer"]),
        ]

    def __str__(self) -> str:
        amount = format_amount(self.amount, self.currency)
        return f"{self.voucher} {self.posting_type} {amount} {self.currency}"

    @property
    def debit(self):
        return self.accounting_amount if self.accounting_amount > 0 else None

    @property
    def credit(self):
        return -self.accounting_amount if self.accounting_amount < 0 else None
