"""Plain SQL of the ledger room, for the posting hot path. Table and column names come from the
models, never written by hand."""

from .models import NumberSequence


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
