"""Customer account statements: what a customer (one legal entity) or a party (every legal
entity its statement covers) owed at the start of a period, each movement of the period with
the running balance, what it owed at the end, and that balance aged at the end. The figures are
stored as computed, so a statement prints again exactly as it was sent."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import Job
from entities.models import Customer, LegalEntity, Party


class CustomerStatement(models.Model):
    """``sections``: one per transaction currency, each ``{currency, opening_balance,
    closing_balance, lines: [{date, legal_entity, document, description, debit, credit,
    balance}], aging: [{label, amount}]}``, amounts as strings in the currency's minor units.
    A party statement has no ``customer``; ``legal_entities`` are the entities it covers (one
    for a customer statement)."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legal_entities = models.ManyToManyField(LegalEntity, related_name="+")
    date_from = models.DateField()
    date_to = models.DateField()
    period_set = models.CharField(max_length=20, help_text="The aging period set's code")
    sections = models.JSONField(default=list)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    emailed_to = models.CharField(max_length=254, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_from__lte=F("date_to")), name="customer_statement_period_order"
            ),
            # A pool's job makes one statement per customer, however often it runs.
            models.UniqueConstraint(
                fields=["job", "customer"],
                condition=Q(job__isnull=False),
                name="customer_statement_once_per_job",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        who = self.customer.account if self.customer_id else f"party {self.party.number}"
        return f"Statement {self.pk} {who} {self.date_from}–{self.date_to}"
