"""Plain SQL of the collections room: aging snapshot lines written by the database with one
INSERT … SELECT per chunk, so no amount passes through Python.

One statement per rule for every database the project runs on; only the spelling of a JSON
array and of an amount as text differs (``_Dialect``). Table and column names come from the
model. Amounts are summed exactly on both: PostgreSQL sums numerics; on SQLite, which sums
decimals as binary floating-point numbers, every sum is rounded back to the places its addends
have (``core.aggregates.DecimalSum`` does the same for the ORM's sums).
"""

from collections.abc import Iterable, Sequence

from django.db import connection

from core.money import AMOUNT_DECIMAL_PLACES, minor_units

from .models import AgingSnapshotLine

_FIELDS = (
    "snapshot",
    "legal_entity",
    "customer",
    "party",
    "currency",
    "balance",
    "not_due",
    "overdue",
    "buckets",
)


def _columns() -> dict[str, str]:
    meta = AgingSnapshotLine._meta
    return {name: meta.get_field(name).column for name in _FIELDS}


class _Dialect:
    """How PostgreSQL and SQLite spell the few things they spell differently."""

    def __init__(self, vendor: str) -> None:
        self.postgresql = vendor == "postgresql"

    def json_array(self, parts: Sequence[str]) -> str:
        return f"{'jsonb_build_array' if self.postgresql else 'json_array'}({', '.join(parts)})"

    def json_amount(self, column: str, index: int) -> str:
        if self.postgresql:
            return f"({column} ->> {index})::numeric"
        return f"CAST(json_extract({column}, '$[{index}]') AS REAL)"

    def exact_sum(self, expression: str, places: str | int = AMOUNT_DECIMAL_PLACES) -> str:
        if self.postgresql:
            return f"sum({expression})"
        return f"(ROUND(SUM({expression}), {places}) + 0)"

    def amount_text(self, expression: str, places: str | int) -> str:
        """The amount with exactly ``places`` decimals, rounded half up, as ``format_amount``
        writes it ("600.00", "1000")."""
        if self.postgresql:
            return f"round({expression}, {places})::text"
        # "%%": Django's SQLite cursor turns it into "%" when it runs the statement, and with
        # DEBUG on its query log formats the statement with ``%`` (a lone "%.*f" broke it).
        return f"printf('%%.*f', {places}, ROUND({expression}, {places}) + 0)"


def _dialect() -> _Dialect:
    return _Dialect(connection.vendor)


def _places_by_currency(column: str, currencies: Iterable[str]) -> str:
    """A CASE giving each currency's minor units (party lines mix accounting currencies)."""
    whens = " ".join(f"WHEN '{c}' THEN {minor_units(c)}" for c in sorted(set(currencies)))
    return f"(CASE {column} {whens} ELSE {AMOUNT_DECIMAL_PLACES} END)" if whens else "2"


def customer_lines_insert(
    *, snapshot_id: int, legal_entity_id: int, currency: str, sums: tuple[str, list], buckets: int
) -> int:
    """Insert a snapshot's customer lines from ``sums`` (the SQL and parameters of a grouped
    query giving customer_id, party_id, balance, not_due, overdue, b0…); returns how many."""
    d, c = _dialect(), _columns()
    select, params = sums
    places = minor_units(currency)
    bucket_texts = [d.amount_text(f"agg.b{i}", places) for i in range(buckets)]
    sql = (
        f"INSERT INTO {AgingSnapshotLine._meta.db_table} ("  # noqa: S608
        f"{', '.join(c[f] for f in _FIELDS)}) "
        "SELECT %s, %s, agg.customer_id, agg.party_id, %s, agg.balance, agg.not_due, "
        f"agg.overdue, {d.json_array(bucket_texts)} FROM ({select}) agg"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [snapshot_id, legal_entity_id, currency, *params])
        return cursor.rowcount


def party_lines_insert(
    *, snapshot_id: int, source_ids: list[int], buckets: int, currencies: Iterable[str]
) -> int:
    """Insert the party lines of a party-level snapshot: per party and currency, the sums of
    the customer lines of the ``source_ids`` snapshots; returns how many."""
    if not source_ids:
        return 0
    d, c = _dialect(), _columns()
    table = AgingSnapshotLine._meta.db_table
    places = _places_by_currency(f"l.{c['currency']}", currencies)
    bucket_texts = [
        d.amount_text(d.exact_sum(d.json_amount(f"l.{c['buckets']}", i), places), places)
        for i in range(buckets)
    ]
    amounts = ", ".join(d.exact_sum(f"l.{c[f]}") for f in ("balance", "not_due", "overdue"))
    sql = (
        f"INSERT INTO {table} ({', '.join(c[f] for f in _FIELDS)}) "  # noqa: S608
        f"SELECT %s, NULL, NULL, l.{c['party']}, l.{c['currency']}, {amounts}, "
        f"{d.json_array(bucket_texts)} FROM {table} l "
        f"WHERE l.{c['snapshot']} IN ({', '.join(['%s'] * len(source_ids))}) "
        f"AND l.{c['customer']} IS NOT NULL "
        f"GROUP BY l.{c['party']}, l.{c['currency']}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [snapshot_id, *source_ids])
        return cursor.rowcount
