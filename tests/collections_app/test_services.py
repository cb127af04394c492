from datetime import date
from decimal import Decimal

import pytest

from collections_app.exceptions import AgingBucketsGap, AgingBucketsOverlap
from collections_app.models import AgingBucket, AgingPeriodSet, AgingSnapshot, AgingSnapshotLine
from collections_app.selectors import aging_period_set_get
from collections_app.services import (
    AgingBucketInput,
    aging_party_snapshot_create,
    aging_period_set_save,
    aging_snapshot_create,
)
from core.errors import InvalidInput
from core.models import AuditEntry
from tests.factories.receivables import post_invoice

from .conftest import AS_OF, LABELS

pytestmark = pytest.mark.django_db
D = Decimal


def _lines(snapshot) -> dict:
    return {
        (line.customer.legal_entity.code, line.customer.account)
        if line.customer_id
        else (line.party.number, line.currency): (
            line.balance,
            line.not_due,
            line.overdue,
            line.buckets,
        )
        for line in snapshot.lines.select_related("customer__legal_entity", "party")
    }


def _snapshots(book):
    fab = aging_snapshot_create(legal_entity=book["FAB"], as_of=AS_OF)
    fabe = aging_snapshot_create(legal_entity=book["FABE"], as_of=AS_OF)
    parties = aging_party_snapshot_create(period_set=aging_period_set_get(), as_of=AS_OF)
    return fab, fabe, parties


def test_default_period_set_from_the_data_migration(db):
    period_set = aging_period_set_get()
    assert period_set.code == "DEFAULT"
    assert [(b.label, b.from_days, b.to_days) for b in period_set.buckets.all()] == [
        ("Current", None, 0),
        ("1–30", 1, 30),
        ("31–60", 31, 60),
        ("61–90", 61, 90),
        ("Over 90", 91, None),
    ]


def test_aging_snapshot_create_ages_per_customer(book):
    fab, fabe, _ = _snapshots(book)
    assert fab.bucket_labels == LABELS and fab.is_complete and fab.line_count == 2
    assert _lines(fab) == {
        ("FAB", "4000"): (
            D("1150.00"),
            D("100.00"),
            D("1050.00"),
            ["100.00", "50.00", "300.00", "300.00", "400.00"],
        ),
        ("FAB", "5000"): (
            D("50.00"),
            D("0.00"),
            D("50.00"),
            ["0.00", "0.00", "0.00", "50.00", "0.00"],
        ),
    }
    # Due on the as-of date is current; the credit note ages by its own date; the invoice
    # dated after the as-of date is left out.
    assert _lines(fabe) == {
        ("FABE", "4000"): (
            D("830.00"),
            D("1000.00"),
            D("-170.00"),
            ["1000.00", "-250.00", "0.00", "0.00", "80.00"],
        ),
    }


def test_aging_party_snapshot_create_sums_customers_across_entities(book):
    fab, fabe, parties = _snapshots(book)
    assert parties.legal_entity is None
    assert set(parties.legal_entities.values_list("code", flat=True)) == {"FAB", "FABE"}
    assert _lines(parties) == {
        ("4050", "USD"): (
            D("1980.00"),
            D("1100.00"),
            D("880.00"),
            ["1100.00", "-200.00", "300.00", "300.00", "480.00"],
        ),
        ("5000", "USD"): (
            D("50.00"),
            D("0.00"),
            D("50.00"),
            ["0.00", "0.00", "0.00", "50.00", "0.00"],
        ),
    }


def test_aging_snapshot_create_rerun_replaces(book):
    first = aging_snapshot_create(legal_entity=book["FAB"], as_of=AS_OF)
    post_invoice(book["fab_5000"], amounts=["10.00"], on=date(2026, 6, 29))
    second = aging_snapshot_create(legal_entity=book["FAB"], as_of=AS_OF)
    assert not AgingSnapshot.objects.filter(pk=first.pk).exists()
    assert AgingSnapshot.objects.filter(legal_entity=book["FAB"]).count() == 1
    assert AgingSnapshotLine.objects.filter(snapshot__legal_entity=book["FAB"]).count() == 2
    assert _lines(second)[("FAB", "5000")][3] == ["0.00", "10.00", "0.00", "50.00", "0.00"]
    # Another date is another snapshot, kept beside it.
    aging_snapshot_create(legal_entity=book["FAB"], as_of=date(2026, 7, 31))
    assert AgingSnapshot.objects.filter(legal_entity=book["FAB"]).count() == 2
    assert AuditEntry.objects.filter(action="aging_snapshot.created").count() == 3


def test_aging_snapshot_create_in_chunks(book):
    from tests.factories.entities import CustomerFactory

    for i in range(5):
        customer = CustomerFactory(legal_entity=book["FAB"], account=f"70{i}")
        post_invoice(customer, amounts=[f"{i + 1}.00"], on=date(2026, 6, 1))
    chunks = []
    snapshot = aging_snapshot_create(
        legal_entity=book["FAB"], as_of=AS_OF, chunk_size=2, on_chunk=chunks.append
    )
    assert chunks == [2, 2, 2, 1]
    assert snapshot.line_count == 7
    assert sum(line.balance for line in snapshot.lines.all()) == D("1215.00")


def test_aging_snapshot_create_other_period_set(book):
    weeks = aging_period_set_save(
        code="WEEKS",
        name="Weeks",
        buckets=[
            AgingBucketInput("Not due", None, 0),
            AgingBucketInput("Up to 7 days", 1, 7),
            AgingBucketInput("Older", 8, None),
        ],
        actor=None,
    )
    snapshot = aging_snapshot_create(legal_entity=book["FABE"], as_of=AS_OF, period_set=weeks)
    assert _lines(snapshot)[("FABE", "4000")][3] == ["1000.00", "0.00", "-170.00"]
    assert aging_period_set_get().code == "DEFAULT"


@pytest.mark.parametrize(
    ("buckets", "error", "message"),
    [
        (
            [("Current", None, 0), ("1–30", 1, 30), ("25–60", 25, 60), ("Over 60", 61, None)],
            AgingBucketsOverlap,
            "The bucket 2 \\(1–30\\) and the bucket 3 \\(25–60\\) overlap: "
            "days 25 to 30 are in both.",
        ),
        (
            [("Current", None, 0), ("1–30", 1, 30), ("Over 40", 41, None)],
            AgingBucketsGap,
            "Days 31 to 40 are in no bucket: the bucket 3 \\(Over 40\\) should start at day 31.",
        ),
        (
            [("1–30", 1, 30), ("Over 30", 31, None)],
            AgingBucketsGap,
            "Day counts below 1 \\(items not yet due\\) are in no bucket",
        ),
        (
            [("Current", None, 0), ("1–30", 1, 30)],
            AgingBucketsGap,
            "Day counts above 30 are in no bucket",
        ),
        (
            [("Current", None, 0), ("All", None, None)],
            AgingBucketsOverlap,
            "only the first bucket may have no start",
        ),
    ],
)
def test_aging_period_set_save_refuses_overlaps_and_gaps(db, buckets, error, message):
    with pytest.raises(error, match=message) as caught:
        aging_period_set_save(
            code="BAD",
            name="Bad",
            buckets=[AgingBucketInput(*b) for b in buckets],
            actor=None,
        )
    assert list(caught.value.fields) == ["buckets"]
    assert not AgingPeriodSet.objects.filter(code="BAD").exists()


def test_aging_period_set_save_moves_the_default(db):
    default = aging_period_set_get()
    other = aging_period_set_save(
        code="TWO",
        name="Two buckets",
        buckets=[AgingBucketInput("Not due", None, 0), AgingBucketInput("Overdue", 1, None)],
        is_default=True,
        actor=None,
    )
    assert aging_period_set_get() == other
    default.refresh_from_db()
    assert not default.is_default
    assert AgingBucket.objects.filter(period_set=other).count() == 2
    with pytest.raises(InvalidInput, match="One aging period set is always the default"):
        aging_period_set_save(
            code="TWO",
            name="Two buckets",
            buckets=[AgingBucketInput("All", None, None)],
            is_default=False,
            actor=None,
            instance=other,
        )


def test_aging_snapshots_sum_exactly_on_every_database(fabrikam):
    """Amounts a binary floating-point sum gets wrong (0.10 + 0.20 + 0.07) come out exact in
    the customer and the party lines, on PostgreSQL and on SQLite alike."""
    customer = fabrikam["customers"]["FAB"]
    for amount in ("0.10", "0.20", "0.07"):
        post_invoice(customer, amounts=[amount], on=date(2026, 3, 1))
    fab = aging_snapshot_create(legal_entity=fabrikam["FAB"], as_of=AS_OF)
    parties = aging_party_snapshot_create(period_set=aging_period_set_get(), as_of=AS_OF)
    expected = (D("0.37"), D("0.00"), D("0.37"), ["0.00", "0.00", "0.00", "0.00", "0.37"])
    assert _lines(fab) == {("FAB", "4000"): expected}
    party = customer.party.number
    assert _lines(parties) == {(party, fabrikam["FAB"].accounting_currency): expected}


def test_snapshots_are_made_with_the_query_log_on(book):
    """``make run`` serves SQLite with DEBUG on, where Django logs every statement by
    formatting it with ``%``: the snapshot's statements must survive that."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:  # logs as DEBUG does
        entity = aging_snapshot_create(legal_entity=book["FAB"], as_of=AS_OF)
        party = aging_party_snapshot_create(period_set=aging_period_set_get(), as_of=AS_OF)
    assert entity.is_complete and entity.line_count > 0 and party.line_count > 0
    assert any("INSERT" in q["sql"] for q in queries)
