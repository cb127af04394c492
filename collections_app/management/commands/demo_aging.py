"""Age the demo's open items once, so that the collections page has figures from the first
sign-in (the aging snapshot job otherwise runs nightly)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from collections_app.models import AgingSnapshot
from core.jobs import job_run, job_start
from entities.models import LegalEntity


class Command(BaseCommand):
    help = "Run the aging snapshot job for every legal entity as of today, unless one has run."

    def handle(self, *args, **options):
        if AgingSnapshot.objects.filter(is_complete=True).exists():
            self.stdout.write("Aging snapshots exist already; nothing to do.")
            return
        entities = list(LegalEntity.objects.order_by("code"))
        if not entities:
            self.stdout.write("No legal entity to age.")
            return
        job = job_start(
            kind="aging_snapshot",
            legal_entities=entities,
            as_of=timezone.localdate(),
            actor=None,
            enqueue=False,
        )
        job = job_run(job_id=job.pk)
        self.stdout.write(
            self.style.SUCCESS(f"Aging snapshot job {job.pk}: {job.state}, {job.result}.")
        )
