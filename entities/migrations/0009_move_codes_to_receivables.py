"""The receivables codes leave this app for ``receivables`` (its migration 0007 took them into
its state). State only: the tables ``entities_paymentterms`` and the others keep their names
and rows, and the customer's columns keep pointing at them.

Their content types are renamed to the new app label, keeping their ids, so that the
permissions granted on them and the audit rows about them carry over. When the new label
already has content types (a ``migrate`` stopped between the two apps' migrations creates
them), whatever points at those is moved onto the old ones first.
"""

import django.db.models.deletion
from django.db import migrations, models

MOVED = (
    "paymentterms",
    "cashdiscount",
    "cashdiscountperiod",
    "salestaxcode",
    "interestcode",
    "interestrange",
    "interestcurrency",
)


def _is(model, label: str) -> bool:
    return model._meta.label_lower == label


def _grants_move(apps, db, old_permission, new_permission) -> None:
    """Users' and groups' grants of ``old_permission`` go to ``new_permission``."""
    for model in apps.get_models():
        for field in model._meta.local_many_to_many:
            if not _is(field.remote_field.model, "auth.permission"):
                continue
            through = field.remote_field.through.objects.using(db)
            holder = f"{field.m2m_field_name()}_id"
            target = field.m2m_reverse_field_name()
            holders = through.filter(**{target: new_permission}).values_list(holder, flat=True)
            rows = through.filter(**{target: old_permission})
            rows.filter(**{f"{holder}__in": list(holders)}).delete()
            rows.update(**{target: new_permission})


def _fold(apps, db, doomed, kept) -> None:
    """Move onto ``kept`` everything that points at ``doomed``, then delete ``doomed``."""
    Permission = apps.get_model("auth", "Permission")
    kept_codenames = dict(
        Permission.objects.using(db).filter(content_type=kept).values_list("codename", "pk")
    )
    for permission in Permission.objects.using(db).filter(content_type=doomed):
        if permission.codename in kept_codenames:
            _grants_move(apps, db, permission, kept_codenames[permission.codename])
            permission.delete()
    for model in apps.get_models():
        for field in model._meta.local_fields:
            if field.is_relation and _is(field.related_model, "contenttypes.contenttype"):
                model.objects.using(db).filter(**{field.name: doomed}).update(
                    **{field.name: kept}
                )
    doomed.delete()


def _content_types_move(apps, schema_editor, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for name in MOVED:
        old = ContentType.objects.using(db).filter(app_label=source, model=name).first()
        if old is None:
            continue
        new = ContentType.objects.using(db).filter(app_label=target, model=name).first()
        if new is not None:
            _fold(apps, db, new, old)
        old.app_label = target
        old.save(update_fields=["app_label"])


def forward(apps, schema_editor):
    _content_types_move(apps, schema_editor, "entities", "receivables")


def backward(apps, schema_editor):
    _content_types_move(apps, schema_editor, "receivables", "entities")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("entities", "0008_platform_models_to_core"),
        ("receivables", "0008_codes_from_entities"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="payment_terms",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="receivables.paymentterms",
                    ),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="cash_discount",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="receivables.cashdiscount",
                    ),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="interest_code",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="receivables.interestcode",
                    ),
                ),
                migrations.DeleteModel(name="CashDiscountPeriod"),
                migrations.DeleteModel(name="InterestRange"),
                migrations.DeleteModel(name="InterestCurrency"),
                migrations.DeleteModel(name="CashDiscount"),
                migrations.DeleteModel(name="InterestCode"),
                migrations.DeleteModel(name="PaymentTerms"),
                migrations.DeleteModel(name="SalesTaxCode"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forward, backward),
    ]
