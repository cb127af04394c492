"""Posting now needs an open fiscal period on the date: every legal entity that exists already
gets the previous and the current calendar year, open, as a new one does (months that one of
its periods already covers are left as they are)."""

from datetime import date, timedelta

from django.db import migrations
from django.utils import timezone


def forward(apps, schema_editor):
    LegalEntity = apps.get_model("entities", "LegalEntity")
    FiscalPeriod = apps.get_model("ledger", "FiscalPeriod")
    this_year = timezone.localdate().year
    for entity in LegalEntity.objects.all():
        for year in (this_year - 1, this_year):
            taken = list(
                FiscalPeriod.objects.filter(
                    legal_entity=entity, start__lte=date(year, 12, 31), end__gte=date(year, 1, 1)
                ).values_list("start", "end")
            )
            new = []
            for month in range(1, 13):
                start = date(year, month, 1)
                end = (
                    date(year, 12, 31)
                    if month == 12
                    else date(year, month + 1, 1) - timedelta(days=1)
                )
                if not any(s <= end and start <= e for s, e in taken):
                    new.append(
                        FiscalPeriod(
                            legal_entity=entity,
                            name=f"{year}-{month:02d}",
                            start=start,
                            end=end,
                            status="open",
                        )
                    )
            FiscalPeriod.objects.bulk_create(new)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0004_alter_ledgerentry_currency"),
        ("entities", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
