"""Audit entries, idempotency keys, jobs and job claims are core's now (``core.0001``): the
entities room forgets them. State only: the tables and their rows stay as they are.

The foreign keys of later apps to ``entities.job`` are turned to ``core.job`` before this runs
(their migrations say ``run_before`` this one), so the lower app names none above it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("entities", "0007_job_history"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="idempotencykey", name="user"),
                migrations.RemoveField(model_name="job", name="legal_entities"),
                migrations.RemoveField(model_name="job", name="started_by"),
                migrations.RemoveField(model_name="jobclaim", name="job"),
                migrations.RemoveField(model_name="jobclaim", name="legal_entity"),
                migrations.DeleteModel(name="AuditEntry"),
                migrations.DeleteModel(name="IdempotencyKey"),
                migrations.DeleteModel(name="Job"),
                migrations.DeleteModel(name="JobClaim"),
            ],
            database_operations=[],
        ),
    ]
