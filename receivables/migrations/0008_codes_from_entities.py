"""The receivables codes (terms of payment, cash discounts and their periods, sales tax codes,
interest codes with their ranges and currencies) become this app's models. State only: their
tables keep their names and rows; the entities migration that follows drops them from that app's
state and renames their content types."""

import django.core.validators
import django.db.models.deletion
import entities.models
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0007_job_in_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CashDiscount",
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
                        (
                            "code",
                            models.CharField(
                                max_length=20,
                                unique=True,
                                validators=[
                                    django.core.validators.RegexValidator(
                                        "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                                        "Use letters, digits, '-', '_' or '.', starting with a letter or digit.",
                                    )
                                ],
                            ),
                        ),
                        ("name", models.CharField(blank=True, max_length=120)),
                    ],
                    options={
                        "db_table": "entities_cashdiscount",
                        "ordering": ["code"],
                    },
                ),
                migrations.CreateModel(
                    name="InterestCode",
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
                        (
                            "code",
                            models.CharField(
                                max_length=20,
                                unique=True,
                                validators=[
                                    django.core.validators.RegexValidator(
                                        "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                                        "Use letters, digits, '-', '_' or '.', starting with a letter or digit.",
                                    )
                                ],
                            ),
                        ),
                        ("name", models.CharField(blank=True, max_length=120)),
                        (
                            "charge_per",
                            models.CharField(
                                choices=[("day", "Day"), ("month", "Month")],
                                default="month",
                                help_text="The ranges' percent is per overdue day or per completed overdue month",
                                max_length=5,
                            ),
                        ),
                        (
                            "ranges_by",
                            models.CharField(
                                choices=[("day", "Day"), ("month", "Month")],
                                default="day",
                                help_text="Ranges count days overdue or months overdue",
                                max_length=5,
                            ),
                        ),
                        (
                            "grace_days",
                            models.PositiveIntegerField(
                                default=0,
                                help_text="No interest while an invoice is overdue this many days or fewer",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "entities_interestcode",
                        "ordering": ["code"],
                    },
                ),
                migrations.CreateModel(
                    name="PaymentTerms",
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
                        (
                            "code",
                            models.CharField(
                                max_length=20,
                                unique=True,
                                validators=[
                                    django.core.validators.RegexValidator(
                                        "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                                        "Use letters, digits, '-', '_' or '.', starting with a letter or digit.",
                                    )
                                ],
                            ),
                        ),
                        ("name", models.CharField(blank=True, max_length=120)),
                        ("net_days", models.PositiveIntegerField()),
                    ],
                    options={
                        "verbose_name_plural": "payment terms",
                        "db_table": "entities_paymentterms",
                        "ordering": ["code"],
                    },
                ),
                migrations.AlterField(
                    model_name="creditnote",
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
                    model_name="invoice",
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
                    model_name="opentransaction",
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
                    model_name="recurringinvoicetemplate",
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
                    model_name="interestnote",
                    name="interest_code",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="receivables.interestcode",
                    ),
                ),
                migrations.AlterField(
                    model_name="creditnote",
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
                    model_name="invoice",
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
                    model_name="recurringinvoicetemplate",
                    name="payment_terms",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="receivables.paymentterms",
                    ),
                ),
                migrations.CreateModel(
                    name="SalesTaxCode",
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
                        (
                            "code",
                            models.CharField(
                                max_length=20,
                                unique=True,
                                validators=[
                                    django.core.validators.RegexValidator(
                                        "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                                        "Use letters, digits, '-', '_' or '.', starting with a letter or digit.",
                                    )
                                ],
                            ),
                        ),
                        ("name", models.CharField(blank=True, max_length=120)),
                        (
                            "percent",
                            models.DecimalField(
                                decimal_places=4,
                                max_digits=7,
                                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                            ),
                        ),
                    ],
                    options={
                        "db_table": "entities_salestaxcode",
                        "ordering": ["code"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("percent__gte", 0), ("percent__lt", 100)),
                                name="sales_tax_percent_range",
                            )
                        ],
                    },
                ),
                migrations.AlterField(
                    model_name="creditnoteline",
                    name="sales_tax_code",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="receivables.salestaxcode",
                    ),
                ),
                migrations.AlterField(
                    model_name="invoiceline",
                    name="sales_tax_code",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="receivables.salestaxcode",
                    ),
                ),
                migrations.AlterField(
                    model_name="recurringinvoicetemplateline",
                    name="sales_tax_code",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="receivables.salestaxcode",
                    ),
                ),
                migrations.CreateModel(
                    name="CashDiscountPeriod",
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
                        ("days", models.PositiveIntegerField()),
                        (
                            "percent",
                            models.DecimalField(
                                decimal_places=4,
                                max_digits=7,
                                validators=[
                                    django.core.validators.MinValueValidator(Decimal("0.0001"))
                                ],
                            ),
                        ),
                        (
                            "cash_discount",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="periods",
                                to="receivables.cashdiscount",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "entities_cashdiscountperiod",
                        "ordering": ["cash_discount", "days"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("cash_discount", "days"),
                                name="cash_discount_period_unique_days",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("percent__gt", 0), ("percent__lt", 100)),
                                name="cash_discount_period_percent_range",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="InterestCurrency",
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
                        (
                            "currency",
                            models.CharField(
                                max_length=3, validators=[entities.models.currency_validator]
                            ),
                        ),
                        (
                            "fixed_fee",
                            models.DecimalField(
                                decimal_places=4,
                                default=Decimal("0"),
                                max_digits=20,
                                validators=[django.core.validators.MinValueValidator(0)],
                            ),
                        ),
                        (
                            "minimum_interest",
                            models.DecimalField(
                                decimal_places=4,
                                default=Decimal("0"),
                                max_digits=20,
                                validators=[django.core.validators.MinValueValidator(0)],
                            ),
                        ),
                        (
                            "interest_code",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="currencies",
                                to="receivables.interestcode",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "interest currencies",
                        "db_table": "entities_interestcurrency",
                        "ordering": ["interest_code", "currency"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("interest_code", "currency"),
                                name="interest_currency_unique",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("fixed_fee__gte", 0), ("minimum_interest__gte", 0)
                                ),
                                name="interest_currency_not_negative",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="InterestRange",
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
                        (
                            "from_overdue",
                            models.PositiveIntegerField(
                                validators=[django.core.validators.MinValueValidator(1)]
                            ),
                        ),
                        ("to_overdue", models.PositiveIntegerField(blank=True, null=True)),
                        (
                            "percent",
                            models.DecimalField(
                                decimal_places=6,
                                max_digits=9,
                                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                            ),
                        ),
                        (
                            "interest_code",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="ranges",
                                to="receivables.interestcode",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "entities_interestrange",
                        "ordering": ["interest_code", "from_overdue"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("interest_code", "from_overdue"),
                                name="interest_range_unique_start",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("from_overdue__gte", 1),
                                    models.Q(
                                        ("to_overdue__isnull", True),
                                        ("to_overdue__gte", models.F("from_overdue")),
                                        _connector="OR",
                                    ),
                                ),
                                name="interest_range_bounds",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("percent__gte", 0), ("percent__lt", 100)),
                                name="interest_range_percent",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
