from django.db import migrations


def _link_settlement_entries(apps, schema_editor):
    """Settlement audit rows written before entries named their entities: every entity of the
    settlement's transactions and vouchers."""
    AuditEntry = apps.get_model("entities", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Settlement = apps.get_model("settlement", "Settlement")
    settlement_type = ContentType.objects.filter(app_label="settlement", model="settlement").first()
    if settlement_type is None:
        return
    through = AuditEntry.legal_entities.through
    links = []
    for pk, object_id in AuditEntry.objects.filter(content_type=settlement_type).values_list(
        "pk", "object_id"
    ):
        settlement = Settlement.objects.filter(pk=object_id).first()
        if settlement is None:
            continue
        entities = set(
            settlement.lines.values_list("open_transaction__legal_entity_id", flat=True)
        ) | set(settlement.vouchers.values_list("legal_entity_id", flat=True))
        links += [through(auditentry_id=pk, legalentity_id=e) for e in entities]
    through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("entities", "0006_audit_entities_and_group_data"),
        ("settlement", "0001_initial"),
    ]
    # It reads the audit model where it was then: before the entities room hands it to core.
    run_before = [("entities", "0008_platform_models_to_core")]

    operations = [migrations.RunPython(_link_settlement_entries, migrations.RunPython.noop)]
