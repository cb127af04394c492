"""Interest notes and recurring invoice occurrences name their job in core, where the job model
moved (``core.0001``). State only: the column and its foreign key stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("receivables", "0006_interest_note_total_rounded"),
    ]
    # Before the entities room forgets its job model, so no state ever points at a missing one.
    run_before = [("entities", "0008_platform_models_to_core")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name=model_name,
                    name="job",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="core.job",
                    ),
                )
                for model_name in ("interestnote", "recurringinvoiceoccurrence")
            ],
            database_operations=[],
        ),
    ]
