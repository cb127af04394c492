"""The audit trail: every state change writes a row (who, what, when, old → new) in the
change's own transaction, naming the legal entities it concerns."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model

from core import db
from core.models import AuditEntry

Actor = AbstractBaseUser | None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _entity_id(entity: Model | int | None) -> int | None:
    return entity.pk if isinstance(entity, Model) else entity


def _audit_entities_insert(pairs: Iterable[tuple[int, int]]) -> None:
    """Link audit rows to the legal entities they concern: (audit entry id, entity id)."""
    rows = sorted(set(pairs))
    links = AuditEntry._meta.get_field("legal_entities")
    db.insert_rows(
        links.remote_field.through, (links.m2m_column_name(), links.m2m_reverse_name()), rows
    )


@dataclass(frozen=True)
class AuditRecord:
    """One change of ``audit_records``: the arguments of ``audit_record`` but the action."""

    obj: Model
    changes: Mapping[str, tuple[Any, Any]] | None = None
    legal_entity: Model | None = None
    legal_entities: Iterable[Model | int] = ()


def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: Model,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    legal_entity: Model | None = None,
    legal_entities: Iterable[Model | int] = (),
) -> AuditEntry:
    """Record a state change of ``obj`` (``changes``: field → (old, new)).

    ``legal_entities`` names every entity the change concerns besides ``legal_entity`` (a
    settlement: each entity of its transactions); a user sees the row only when granted all of
    them. A change that concerns no entity (group-wide data) is shown to stewards and admins."""
    assert connection.in_atomic_block, "audit rows are written in the change's transaction"
    record = AuditRecord(obj, changes, legal_entity, legal_entities)
    who = actor if actor is not None and actor.is_authenticated else None
    created_at, created_at_db = db.now()
    row, values, entity_ids = _row(record, who, action, created_at_db)
    # Plain SQL: audit rows are written on every hot path (postings, settlements).
    if connection.vendor == "postgresql":
        pk = _insert_linked(row, entity_ids)
    else:
        (pk,) = db.insert_rows(AuditEntry, _AUDIT_COLUMNS, [row], returning="id")
        _audit_entities_insert((pk, entity_id) for entity_id in entity_ids)
    return db.inserted(AuditEntry, id=pk, created_at=created_at, **values)


def audit_records(*, actor: Actor, action: str, records: Sequence[AuditRecord]) -> None:
    """``audit_record`` for many changes of one action: one statement for the rows and one for
    their entity links, whatever their number."""
    assert connection.in_atomic_block, "audit rows are written in the change's transaction"
    if len(records) == 1:
        record = records[0]
        audit_record(
            actor=actor,
            action=action,
            obj=record.obj,
            changes=record.changes,
            legal_entity=record.legal_entity,
            legal_entities=record.legal_entities,
        )
        return
    who = actor if actor is not None and actor.is_authenticated else None
    _, created_at_db = db.now()
    built = [_row(record, who, action, created_at_db) for record in records]
    ids = db.insert_rows(AuditEntry, _AUDIT_COLUMNS, [row for row, _, _ in built], returning="id")
    _audit_entities_insert(
        (pk, entity_id)
        for pk, (_, _, entity_ids) in zip(ids, built, strict=True)
        for entity_id in entity_ids
    )


def _row(record: AuditRecord, who, action: str, created_at_db) -> tuple[tuple, dict, list[int]]:
    """The audit row of ``record`` (in ``_AUDIT_COLUMNS`` order), the instance's values, and
    the ids of the entities it concerns."""
    obj, legal_entity = record.obj, record.legal_entity
    values = {
        "actor": who,
        "action": action,
        "content_type": ContentType.objects.get_for_model(obj),
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
        "legal_entity": legal_entity,
        "changes": {
            k: [_jsonable(old), _jsonable(new)] for k, (old, new) in (record.changes or {}).items()
        },
    }
    row = (
        created_at_db,
        who.pk if who is not None else None,
        action,
        values["content_type"].pk,
        values["object_id"],
        values["object_repr"],
        legal_entity.pk if legal_entity is not None else None,
        AuditEntry._meta.get_field("changes").get_db_prep_save(values["changes"], connection),
    )
    entity_ids = sorted({_entity_id(e) for e in (legal_entity, *record.legal_entities)} - {None})
    return row, values, entity_ids


def _insert_linked(row: tuple, entity_ids: list[int]) -> int:
    """The audit row and its entity links with one statement (PostgreSQL): one round trip
    fewer on every posting."""
    qn = connection.ops.quote_name
    links = AuditEntry._meta.get_field("legal_entities")
    placeholders = ", ".join(["%s"] * len(row))
    sql = (
        f"WITH a AS (INSERT INTO {qn(AuditEntry._meta.db_table)} "  # noqa: S608
        f"({', '.join(qn(c) for c in _AUDIT_COLUMNS)}) VALUES ({placeholders}) RETURNING id), "
        f"l AS (INSERT INTO {qn(links.remote_field.through._meta.db_table)} "
        f"({qn(links.m2m_column_name())}, {qn(links.m2m_reverse_name())}) "
        "SELECT a.id, e FROM a, UNNEST(%s::bigint[]) AS e) SELECT id FROM a"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [*row, entity_ids])
        return cursor.fetchone()[0]


_AUDIT_COLUMNS = db.columns(
    AuditEntry,
    "created_at",
    "actor",
    "action",
    "content_type",
    "object_id",
    "object_repr",
    "legal_entity",
    "changes",
)


def audit_record_many(
    *, actor: Actor, action: str, objects: Iterable[Model], legal_entity_of=None
) -> None:
    """One audit row per object, written with one statement (bulk postings)."""
    assert connection.in_atomic_block, "audit rows are written in the change's transaction"
    objects = list(objects)
    if not objects:
        return
    audit_record_rows(
        actor=actor,
        action=action,
        model=type(objects[0]),
        rows=[
            (obj.pk, str(obj), _entity_id(legal_entity_of(obj)) if legal_entity_of else None)
            for obj in objects
        ],
    )


def audit_record_rows(
    *,
    actor: Actor,
    action: str,
    model: type[Model],
    rows: Iterable[tuple[int, str, int | None]],
) -> None:
    """One audit row per (pk, repr, legal entity id) of ``model``, without model instances
    (bulk jobs)."""
    rows = list(rows)
    content_type = ContentType.objects.get_for_model(model).pk
    who = actor.pk if actor is not None and actor.is_authenticated else None
    _, now = db.now()
    empty = AuditEntry._meta.get_field("changes").get_db_prep_save({}, connection)
    values = [
        (now, who, action, content_type, str(pk), text[:200], entity, empty)
        for pk, text, entity in rows
    ]
    if not values:
        return
    if connection.vendor == "postgresql":
        _insert_many_linked(values)
        return
    ids = db.insert_rows(AuditEntry, _AUDIT_COLUMNS, values, returning="id")
    _audit_entities_insert(
        (entry_id, entity)
        for entry_id, (_, _, entity) in zip(ids, rows, strict=True)
        if entity is not None
    )


def _insert_many_linked(values: list[tuple]) -> None:
    """Audit rows, each linked to its own legal entity, with one statement (PostgreSQL)."""
    qn = connection.ops.quote_name
    links = AuditEntry._meta.get_field("legal_entities")
    arrays = ", ".join(f"%s::{t}[]" for t in db.array_types(AuditEntry, _AUDIT_COLUMNS))
    entity = qn(AuditEntry._meta.get_field("legal_entity").column)
    sql = (
        f"WITH a AS (INSERT INTO {qn(AuditEntry._meta.db_table)} "  # noqa: S608
        f"({', '.join(qn(c) for c in _AUDIT_COLUMNS)}) SELECT * FROM UNNEST({arrays}) "
        f"RETURNING id, {entity}), "
        f"l AS (INSERT INTO {qn(links.remote_field.through._meta.db_table)} "
        f"({qn(links.m2m_column_name())}, {qn(links.m2m_reverse_name())}) "
        f"SELECT id, {entity} FROM a WHERE {entity} IS NOT NULL) SELECT count(*) FROM a"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*values, strict=True)])
