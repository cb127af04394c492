from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from entities import db
from entities.models import Party

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [1, 3, db.UNNEST_FROM + 2])
def test_insert_rows_writes_the_rows_with_one_statement(count):
    created_at, created_at_db = db.now()
    rows = [(f"P{i}", f"Party {i}", created_at_db) for i in range(count)]
    columns = ("number", "name", "created_at")
    with CaptureQueriesContext(connection) as queries:
        ids = db.insert_rows(Party, columns, rows, returning="id")
    assert len(queries) == 1
    stored = [Party.objects.get(pk=pk) for pk in ids]
    assert [(p.number, p.created_at) for p in stored] == [
        (f"P{i}", created_at) for i in range(count)
    ]
    assert db.insert_rows(Party, columns, []) == []


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
