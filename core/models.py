"""The platform's tables: the audit trail every state change writes, API idempotency keys, and
long jobs with their claims.

They were the entities room's until the platform became its own app; their tables keep the
names they had (``db_table``), so the move changed no row (migrations ``core.0001`` and
``entities.0008``). The legal entity they name is ``settings.LEGAL_ENTITY_MODEL``: core knows
no app above it.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import pgettext_lazy


class AuditEntry(models.Model):
    """Who changed what, when, from what to what. Written in the same transaction as the change."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=60)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=200)
    legal_entity = models.ForeignKey(
        settings.LEGAL_ENTITY_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Every legal entity the change concerns (``legal_entity`` included): a settlement across
    # entities names all of them, and a user sees the row only when granted every one.
    legal_entities = models.ManyToManyField(
        settings.LEGAL_ENTITY_MODEL, blank=True, related_name="+"
    )
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "entities_auditentry"
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class IdempotencyKey(models.Model):
    """An API request sent with ``Idempotency-Key``: the same key and body replay the first
    response; the same key with another body is a conflict. Stored in the transaction of the
    operation it guards, so a retry can never post twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "entities_idempotencykey"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.key}"


class Job(models.Model):
    """One run of a long job (recurring invoices, interest notes, aging snapshots): who started
    it, for which legal entities and date, its state and progress. Kinds are registered by the
    apps that run them (``core.jobs``)."""

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("job state", "Queued")
        RUNNING = "running", pgettext_lazy("job state", "Running")
        DONE = "done", pgettext_lazy("job state", "Done")
        FAILED = "failed", pgettext_lazy("job state", "Failed")

    kind = models.CharField(max_length=40)
    as_of = models.DateField()
    legal_entities = models.ManyToManyField(settings.LEGAL_ENTITY_MODEL, related_name="+")
    parameters = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    # Each run of the job is an attempt; a runner may write only while the job is running under
    # its own attempt number (the fence), so a runner taken over can change nothing.
    attempts = models.PositiveIntegerField(default=0)
    # What happened to the job, oldest first: attempts started, found stale and queued again,
    # taken over, finished; with the errors of attempts that did not finish.
    history = models.JSONField(default=list, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "entities_job"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(done__lte=F("total")),
                name="job_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.as_of} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


class JobClaim(models.Model):
    """While a job is queued or running it holds one claim per legal entity: a second job of the
    same kind for the same entity (whatever its date) is refused by the unique constraint."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="claims")
    kind = models.CharField(max_length=40)
    legal_entity = models.ForeignKey(
        settings.LEGAL_ENTITY_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        db_table = "entities_jobclaim"
        constraints = [
            models.UniqueConstraint(fields=["kind", "legal_entity"], name="job_claim_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.legal_entity_id} → job {self.job_id}"
