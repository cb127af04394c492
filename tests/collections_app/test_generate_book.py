"""``manage.py generate_book`` writes its rows in raw SQL: a column added to a model without a
database default breaks it, and only running it shows that."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from entities.models import Customer, Party
from receivables.models import OpenTransaction

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql("the generator writes with generate_series"),
]


def test_generate_book_writes_parties_customers_and_open_items_as_documented():
    call_command(
        "generate_book", parties=4, customers=10, transactions=20, prefix="TB", as_of="2026-06-30"
    )

    assert Party.objects.filter(number__startswith="TB").count() == 4
    customers = Customer.objects.filter(legal_entity__code__startswith="TB")
    # Customer j: party ((j-1) mod 4) + 1, entity ((j-1) div 4) mod 3: 4, 4 and 2 per entity.
    per_entity = dict(
        customers.values_list("legal_entity__code").annotate(n=Count("id")).order_by()
    )
    assert per_entity == {"TB1": 4, "TB2": 4, "TB3": 2}
    assert set(customers.values_list("language", flat=True)) == {""}
    items = OpenTransaction.objects.filter(legal_entity__code__startswith="TB")
    assert items.count() == 20
    # Every tenth is a payment (a credit): items 10 and 20.
    assert items.filter(kind=OpenTransaction.Kind.PAYMENT).count() == 2
    assert not items.filter(kind=OpenTransaction.Kind.PAYMENT, amount__gt=0).exists()
    # Amount of item i: ((i * 31) mod 500000) / 100 + 10, negative for the payments.
    expected = sum(
        (Decimal(i * 31 % 500_000) / 100 + 10) * (-1 if i % 10 == 0 else 1) for i in range(1, 21)
    )
    assert items.aggregate(s=Sum("open_amount"))["s"] == expected

    call_command("generate_book", parties=4, customers=10, transactions=20, prefix="TB")
    assert items.count() == 20, "a second run finds the book and writes nothing"
