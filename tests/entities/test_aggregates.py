from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from core.aggregates import DecimalSum
from ledger.models import LedgerEntry
from ledger.services import VoucherInput, VoucherLineInput, voucher_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenths(fabrikam):
    """One balanced voucher that binary floating point does not balance: 0.10 + 0.20 − 0.30."""
    lines = [("bank", "0.10"), ("bank", "0.20"), ("revenue", "-0.30")]
    voucher_post(
        voucher=VoucherInput(
            legal_entity=fabrikam["FAB"],
            date=date(2026, 3, 2),
            lines=[
                VoucherLineInput(posting_type=kind, currency="USD", amount=Decimal(amount))
                for kind, amount in lines
            ],
        ),
        actor=None,
    )
    return LedgerEntry.objects.filter(legal_entity=fabrikam["FAB"])


def test_plain_sum_is_off_on_sqlite(tenths):
    """What ``DecimalSum`` corrects: SQLite sums decimals as floating point."""
    total = tenths.aggregate(total=Sum("amount"))["total"]
    assert (total == 0) is (connection.vendor == "postgresql")


def test_decimal_sum_of_a_balanced_voucher_is_zero(tenths):
    total = tenths.aggregate(total=DecimalSum("amount"))["total"]
    assert total == 0
    assert str(total) == "0.0000"  # the column's places, and not -0.0000


def test_decimal_sum_compares_exactly_in_sql(tenths):
    grouped = tenths.values("voucher_id").annotate(total=DecimalSum("accounting_amount"))
    assert not grouped.exclude(total=0).exists()
    assert grouped.filter(total=0).count() == 1


def test_decimal_sum_with_a_filter_and_inside_coalesce(tenths):
    money = DecimalField(max_digits=24, decimal_places=4)
    sums = tenths.aggregate(
        debit=DecimalSum("amount", filter=Q(amount__gt=0)),
        nothing=Coalesce(
            DecimalSum("amount", filter=Q(amount__gt=1)), Value(Decimal(0)), output_field=money
        ),
    )
    assert str(sums["debit"]) == "0.3000"
    assert sums["nothing"] == 0
