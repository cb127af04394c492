"""Plain SQL of the ledger room, for the posting hot path. Table and column names come from the
models, never written by hand."""

from django.db import connection

from .models import FiscalPeriod, MainAccount, NumberSequence, PostingSetup


def _sequence_names() -> dict[str, str]:
    meta = NumberSequence._meta
    column = {name: meta.get_field(name).column for name in ("legal_entity", "name")}
    return {
        "table": meta.db_table,
        "id": meta.pk.column,
        "entity": column["legal_entity"],
        "name": column["name"],
        "next": meta.get_field("next_value").column,
        "prefix": meta.get_field("prefix").column,
    }


def sequence_advance() -> str:
    """Advance one sequence (params: count, legal entity id, name); returns the next value
    after the taken numbers and the prefix."""
    n = _sequence_names()
    return (
        f"UPDATE {n['table']} SET {n['next']} = {n['next']} + %s "  # noqa: S608
        f"WHERE {n['entity']} = %s AND {n['name']} = %s RETURNING {n['next']}, {n['prefix']}"
    )


def sequences_advance(entities: int) -> str:
    """PostgreSQL: advance one named sequence of several entities, the rows locked in entity
    order (params: name, the entity ids, then (entity id, count) per entity); returns the
    entity id, the next value and the prefix per row."""
    n = _sequence_names()
    return (
        # The sort comes before the lock: the rows are locked in entity order.
        f"WITH locked AS MATERIALIZED (SELECT {n['id']} FROM {n['table']} "  # noqa: S608
        f"WHERE {n['name']} = %s AND {n['entity']} IN ({', '.join(['%s'] * entities)}) "
        f"ORDER BY {n['entity']} FOR UPDATE) "
        f"UPDATE {n['table']} AS s SET {n['next']} = s.{n['next']} + c.n FROM locked, "
        f"(VALUES {', '.join(['(%s::bigint, %s::bigint)'] * entities)}) AS c(entity, n) "
        f"WHERE s.{n['id']} = locked.{n['id']} AND s.{n['entity']} = c.entity "
        f"RETURNING s.{n['entity']}, s.{n['next']}, s.{n['prefix']}"
    )


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def posting_setup_accounts(entities: int) -> str:
    """The posting setup of ``entities`` legal entities (params: their ids): per row the
    entity, posting type and counterparty, and the account's id, entity and number."""
    s, a = PostingSetup, MainAccount
    return (
        f"SELECT s.{_column(s, 'legal_entity')}, s.{_column(s, 'posting_type')}, "  # noqa: S608
        f"s.{_column(s, 'counterparty')}, s.{_column(s, 'account')}, "
        f"a.{_column(a, 'legal_entity')}, a.{_column(a, 'number')} "
        f"FROM {s._meta.db_table} s JOIN {a._meta.db_table} a "
        f"ON a.{a._meta.pk.column} = s.{_column(s, 'account')} "
        f"WHERE s.{_column(s, 'legal_entity')} IN ({', '.join(['%s'] * entities)})"
    )


def fiscal_periods_covering(entities: int) -> str:
    """The fiscal periods of ``entities`` legal entities that overlap a date range (params: the
    entity ids, the last date, the first date): id, entity, start, end and status."""
    p = FiscalPeriod
    start, end = _column(p, "start"), _column(p, "end")
    return (
        f"SELECT {p._meta.pk.column}, {_column(p, 'legal_entity')}, {start}, {end}, "  # noqa: S608
        f"{_column(p, 'status')} FROM {p._meta.db_table} "
        f"WHERE {_column(p, 'legal_entity')} IN ({', '.join(['%s'] * entities)}) "
        f"AND {start} <= %s AND {end} >= %s ORDER BY {p._meta.pk.column}"
    )
