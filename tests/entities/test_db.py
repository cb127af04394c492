from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core import db
from entities.models import ExchangeRate, Party

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [1, 3, db.UNNEST_FROM - 1, db.UNNEST_FROM, db.UNNEST_FROM + 2])
def test_insert_rows_writes_the_rows_with_one_statement(count):
    created_at, created_at_db = db.now()
    rows = [(f"P{i}", f"Party {i}", created_at_db) for i in range(count)]
    columns = ("number", "name", "created_at")
    with CaptureQueriesContext(connection) as queries:
        ids = db.insert_rows(Party, columns, rows, returning="id")
    assert len(queries) == 1
    # PostgreSQL takes many rows as one array per column; SQLite (make run) a multi-row VALUES.
    arrays = connection.vendor == "postgresql" and count >= db.UNNEST_FROM
    assert ("UNNEST(" in queries[0]["sql"]) is arrays
    assert ("VALUES" in queries[0]["sql"]) is not arrays
    stored = [Party.objects.get(pk=pk) for pk in ids]
    assert [(p.number, p.created_at) for p in stored] == [
        (f"P{i}", created_at) for i in range(count)
    ]
    assert db.insert_rows(Party, columns, []) == []


def test_insert_rows_splits_past_the_parameter_limit_and_keeps_the_order(monkeypatch):
    """On SQLite, and on PostgreSQL below ``UNNEST_FROM`` rows, a statement takes at most
    ``MAX_PARAMETERS`` parameters; the ids still come back in the rows' order."""
    monkeypatch.setattr(db, "MAX_PARAMETERS", 6)  # two rows of three columns a statement
    monkeypatch.setattr(db, "UNNEST_FROM", 100)
    created_at, created_at_db = db.now()
    rows = [(f"S{i}", f"Split {i}", created_at_db) for i in range(5)]
    with CaptureQueriesContext(connection) as queries:
        ids = db.insert_rows(Party, ("number", "name", "created_at"), rows, returning="id")
    assert len(queries) == 3
    assert [Party.objects.get(pk=pk).number for pk in ids] == [f"S{i}" for i in range(5)]


@pytest.mark.postgresql("server-side prepared statements of psycopg")
def test_statements_are_logged_with_their_text_once_prepared():
    """PostgreSQL prepares a statement after a few uses; its logged text stays readable."""
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] == 5
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        for i in range(8):
            with db.cursor() as cursor:
                cursor.execute("SELECT %s::numeric * 2", [Decimal(i)])
                assert cursor.fetchone() == (Decimal(2 * i),)
    assert [q["sql"] for q in queries][-1] == "SELECT 7::numeric * 2"
    assert all(q["sql"] for q in queries)


@pytest.mark.postgresql("sequences")
def test_ids_reserve_hands_out_keys_no_later_insert_takes():
    reserved = db.ids_reserve(Party, 2)
    assert len(set(reserved)) == 2
    created_at, created_at_db = db.now()
    db.insert_rows(
        Party, ("id", "number", "name", "created_at"), [(reserved[1], "R1", "R", created_at_db)]
    )
    (later,) = db.insert_rows(
        Party, ("number", "name", "created_at"), [("R2", "R", created_at_db)], returning="id"
    )
    assert later not in reserved
    assert Party.objects.get(pk=reserved[1]).number == "R1"


def test_ids_reserve_gives_none_without_sequences():
    """SQLite has no sequences: posting then takes the voucher ids from the INSERT itself."""
    if connection.vendor == "postgresql":
        assert len(db.ids_reserve(Party, 1)) == 1
    else:
        assert db.ids_reserve(Party, 1) is None


def test_columns_read_decimals_and_dates_back_as_the_orm_does():
    """The plain-SQL reads of the hot paths (``Columns``) convert values as the ORM does on
    both databases: SQLite hands back floats and strings."""
    rate = ExchangeRate.objects.create(
        from_currency="EUR", to_currency="USD", rate=Decimal("1.2277"), valid_from=date(2026, 3, 9)
    )
    columns = db.Columns(ExchangeRate, "r")
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.sql} FROM {ExchangeRate._meta.db_table} r WHERE r.id = %s",  # noqa: S608
            [rate.pk],
        )
        read = columns.instance(cursor.fetchone())
    assert (read.pk, read.rate, read.valid_from) == (rate.pk, Decimal("1.2277"), date(2026, 3, 9))
    assert str(read.rate) == "1.2277000000"


@db.atomic
def _party_then_fail(number: str, fail: bool) -> None:
    Party.objects.create(number=number, name=number)
    if fail:
        raise ValueError("refused")


def test_a_service_nested_in_a_transaction_keeps_its_savepoint():
    """Outside ``all_or_nothing`` a refused service leaves its caller's transaction usable."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries, pytest.raises(ValueError):
            _party_then_fail("N1", fail=True)
        _party_then_fail("N2", fail=False)
    assert any("SAVEPOINT" in q["sql"] for q in queries)
    assert list(Party.objects.filter(number__in=["N1", "N2"]).values_list("number", flat=True)) == [
        "N2"
    ]


def test_inside_all_or_nothing_services_join_without_savepoints_and_an_error_undoes_all():
    with CaptureQueriesContext(connection) as queries, db.all_or_nothing():
        _party_then_fail("J1", fail=False)
        _party_then_fail("J2", fail=False)
    inner = [q["sql"] for q in queries if "SAVEPOINT" in q["sql"]]
    # The test runs in a transaction: all_or_nothing's own block is its one savepoint.
    assert len(inner) <= 2
    assert Party.objects.filter(number__in=["J1", "J2"]).count() == 2

    with pytest.raises(ValueError), db.all_or_nothing():
        _party_then_fail("J3", fail=False)
        _party_then_fail("J4", fail=True)
    assert not Party.objects.filter(number__in=["J3", "J4"]).exists()
    # The block's savepoint rolled back: the surrounding transaction goes on.
    _party_then_fail("J5", fail=False)
    assert Party.objects.filter(number="J5").exists()


def test_insert_instances_sets_keys_and_applies_pre_save(fabrikam):
    parties = [Party(number=f"I{i}", name=f"Inserted {i}") for i in range(db.UNNEST_FROM + 1)]
    with CaptureQueriesContext(connection) as queries:
        db.insert_instances(parties)
    assert len(queries) == 1
    stored = {p.pk: p for p in Party.objects.filter(number__startswith="I")}
    assert [stored[p.pk].number for p in parties] == [p.number for p in parties]
    # auto_now_add is set as save() sets it, and the instances are saved ones.
    assert all(p.created_at is not None and not p._state.adding for p in parties)
    db.insert_instances([])


@pytest.mark.parametrize("count", [1, db.UNNEST_FROM + 3])
def test_update_rows_writes_the_fields_of_every_row_with_one_statement(count):
    parties = [Party(number=f"U{i}", name=f"Before {i}") for i in range(count)]
    db.insert_instances(parties)
    for i, party in enumerate(parties):
        party.name = f"After {i}"
        party.number = f"CHANGED{i}"  # not among the fields written
    with CaptureQueriesContext(connection) as queries:
        db.update_rows(Party, ["name"], parties)
    assert len(queries) == 1  # one statement (run for each row on SQLite: executemany)
    stored = dict(Party.objects.filter(pk__in=[p.pk for p in parties]).values_list("pk", "name"))
    assert [stored[p.pk] for p in parties] == [f"After {i}" for i in range(count)]
    assert not Party.objects.filter(number__startswith="CHANGED").exists()
    db.update_rows(Party, ["name"], [])
