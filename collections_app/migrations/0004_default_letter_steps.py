from django.db import migrations

STEPS = [
    (
        1,
        15,
        "Payment reminder",
        "Dear {customer}, our records show the following amounts to {legal_entity} are past "
        "due, {total} in all. We would be grateful for your payment.",
    ),
    (
        2,
        30,
        "Second reminder",
        "Dear {customer}, despite our reminder the following amounts, {total} in all, are still "
        "unpaid. Please pay them within 8 days or contact us.",
    ),
    (
        3,
        60,
        "Final notice",
        "Dear {customer}, the following amounts, {total} in all, remain unpaid. Without payment "
        "within 8 days we will place your account on credit hold.",
    ),
]


def create(apps, schema_editor):
    LetterStep = apps.get_model("collections_app", "LetterStep")
    for step, days, subject, body in STEPS:
        LetterStep.objects.get_or_create(
            sequence="STANDARD",
            step=step,
            defaults={"days_overdue": days, "subject": subject, "body": body},
        )


def remove(apps, schema_editor):
    apps.get_model("collections_app", "LetterStep").objects.filter(sequence="STANDARD").delete()


class Migration(migrations.Migration):
    dependencies = [("collections_app", "0003_collections_work")]

    operations = [migrations.RunPython(create, remove)]
