"""The platform's tables (audit entries, idempotency keys, jobs and their claims) become core's.

State only: the tables keep their names (``db_table``) and every row, as do the many-to-many
tables whose names derive from them. Their content types are renamed in the same migration, so
permissions granted on jobs, the audit rows about jobs and the roles keep pointing at them;
``entities.0008`` then forgets the models on its side.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("auditentry", "idempotencykey", "job", "jobclaim")


def _content_types_move(apps, schema_editor, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    # Renamed in place (as Django's RenameModel does): rows that point at a content type by id
    # (permissions, audit rows) follow it. A target row cannot exist yet: content types are
    # created after migrate, and core had no models before this migration.
    ContentType.objects.using(db).filter(app_label=source, model__in=MOVED).update(
        app_label=target
    )
    ContentType.objects.clear_cache()


def content_types_to_core(apps, schema_editor) -> None:
    _content_types_move(apps, schema_editor, source="entities", target="core")


def content_types_to_entities(apps, schema_editor) -> None:
    _content_types_move(apps, schema_editor, source="core", target="entities")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        # The tables were created by the entities migrations up to here.
        ("entities", "0007_job_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Job",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=40)),
                        ("as_of", models.DateField()),
                        ("parameters", models.JSONField(blank=True, default=dict)),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("done", "Done"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        ("done", models.PositiveIntegerField(default=0)),
                        ("total", models.PositiveIntegerField(blank=True, null=True)),
                        ("errors", models.JSONField(blank=True, default=list)),
                        ("result", models.JSONField(blank=True, default=dict)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("history", models.JSONField(blank=True, default=list)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "legal_entities",
                            models.ManyToManyField(
                                related_name="+", to=settings.LEGAL_ENTITY_MODEL
                            ),
                        ),
                        (
                            "started_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "entities_job",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["kind", "state"], name="entities_jo_kind_9db8db_idx"
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("total__isnull", True),
                                    ("done__lte", models.F("total")),
                                    _connector="OR",
                                ),
                                name="job_done_within_total",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="JobClaim",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=40)),
                        (
                            "job",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="claims",
                                to="core.job",
                            ),
                        ),
                        (
                            "legal_entity",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.LEGAL_ENTITY_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "entities_jobclaim",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("kind", "legal_entity"), name="job_claim_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("action", models.CharField(max_length=60)),
                        ("object_id", models.CharField(max_length=64)),
                        ("object_repr", models.CharField(max_length=200)),
                        ("changes", models.JSONField(blank=True, default=dict)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "content_type",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                to="contenttypes.contenttype",
                            ),
                        ),
                        (
                            "legal_entities",
                            models.ManyToManyField(
                                blank=True, related_name="+", to=settings.LEGAL_ENTITY_MODEL
                            ),
                        ),
                        (
                            "legal_entity",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.LEGAL_ENTITY_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "audit entries",
                        "db_table": "entities_auditentry",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["content_type", "object_id"],
                                name="entities_au_content_b5baf6_idx",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="IdempotencyKey",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("key", models.CharField(max_length=200)),
                        ("method", models.CharField(max_length=10)),
                        ("path", models.CharField(max_length=300)),
                        ("request_hash", models.CharField(max_length=64)),
                        ("response_status", models.PositiveSmallIntegerField()),
                        ("response_body", models.JSONField()),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="idempotency_keys",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "entities_idempotencykey",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "key"), name="idempotency_key_unique_per_user"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_core, content_types_to_entities),
    ]
