"""The default aging period set: Current (not yet due), 1–30, 31–60, 61–90 and over 90 days."""

from django.db import migrations

BUCKETS = (
    ("Current", None, 0),
    ("1–30", 1, 30),
    ("31–60", 31, 60),
    ("61–90", 61, 90),
    ("Over 90", 91, None),
)


def create(apps, schema_editor):
    AgingPeriodSet = apps.get_model("collections_app", "AgingPeriodSet")
    AgingBucket = apps.get_model("collections_app", "AgingBucket")
    if AgingPeriodSet.objects.filter(code="DEFAULT").exists():
        return
    period_set = AgingPeriodSet.objects.create(
        code="DEFAULT",
        name="Default aging periods",
        is_default=not AgingPeriodSet.objects.filter(is_default=True).exists(),
    )
    AgingBucket.objects.bulk_create(
        AgingBucket(period_set=period_set, sequence=i, label=label, from_days=low, to_days=high)
        for i, (label, low, high) in enumerate(BUCKETS, 1)
    )


def remove(apps, schema_editor):
    AgingPeriodSet = apps.get_model("collections_app", "AgingPeriodSet")
    AgingPeriodSet.objects.filter(code="DEFAULT", snapshots__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("collections_app", "0001_aging")]

    operations = [migrations.RunPython(create, remove)]
