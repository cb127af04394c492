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
from core.money import format_amount

Actor = AbstractBaseUser | None


def acting_user(actor: Actor):
    """The user to record as author of a change: none for the system or an anonymous actor."""
    return actor if actor is not None and actor.is_authenticated else None


def _jsonable(value: Any, currency: str | None = None) -> Any:
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, Decimal):
        return format_amount(value, currency) if currency else str(value)
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v, currency) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v, currency) for k, v in value.items()}
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
    currency: str | None = None  # of the amounts in ``changes`` (see ``audit_record``)


def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: Model,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    legal_entity: Model | None = None,
    legal_entities: Iterable[Model | int] = (),
    currency: str | None = None,
) -> AuditEntry:
    """Record a state change of ``obj`` (``changes``: field → (old, new)).

    With ``currency``, the Decimals of ``changes`` are amounts in that currency and are written
    as every amount is (``core.money.format_amount``); without it, as they are.

    ``legal_entities`` names every entity the change concerns besides ``legal_entity`` (a
    settlement: each entity of its transactions); a user sees the row only when granted all of
    them. A change that concerns no entity (group-wide data) is shown to stewards and admins.

    Inside ``core.db.all_or_nothing()`` the row is written with the block's other audit rows
    when the block ends, in its transaction (the entry returned has no id then)."""
    assert connection.in_atomic_block, "audit rows are written in the change's transaction"
    record = AuditRecord(obj, changes, legal_entity, legal_entities, currency)
    who = acting_user(actor)
    created_at, created_at_db = db.now()
    row, values, entity_ids = _row(record, who, action, created_at_db)
    pk = None if _held([(row, entity_ids)]) else _write([(row, entity_ids)])[0]
    return db.inserted(AuditEntry, id=pk, created_at=created_at, **values)


def audit_records(*, actor: Actor, action: str, records: Sequence[AuditRecord]) -> None:
    """``audit_record`` for many changes of one action, written together."""
    assert connection.in_atomic_block, "audit rows are written in the change's transaction"
    who = acting_user(actor)
    _, created_at_db = db.now()
    built = []
    for record in records:
        row, _values, entity_ids = _row(record, who, action, created_at_db)
        built.append((row, entity_ids))
    if built and not _held(built):
        _write(built)


def audit_record_many(
    *, actor: Actor, action: str, objects: Iterable[Model], legal_entity_of=None
) -> None:
    """One audit row per object, written together (bulk postings)."""
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
    (bulk jobs), written together."""
    assert connection.in_atomic_block, "audit rows are written in the change's transaction"
    content_type = ContentType.objects.get_for_model(model).pk
    who = actor.pk if actor is not None and actor.is_authenticated else None
    _, now = db.now()
    empty = AuditEntry._meta.get_field("changes").get_db_prep_save({}, connection)
    built = [
        (
            (now, who, action, content_type, str(pk), text[:200], entity, empty),
            [entity] if entity is not None else [],
        )
        for pk, text, entity in rows
    ]
    if built and not _held(built):
        _write(built)


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
            k: [_jsonable(old, record.currency), _jsonable(new, record.currency)]
            for k, (old, new) in (record.changes or {}).items()
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


def _held(built: list[tuple[tuple, list[int]]]) -> bool:
    """Inside ``all_or_nothing()``: the rows are kept for the block's end (one statement for all
    the audit rows of a statement line's posting); nothing in such a block catches an error
    and goes on, so every row kept records a change that commits with it. Outside: False."""
    block = db.block()
    if block is None:
        return False
    pending = block.memo.get("audit")
    if pending is None:
        pending = block.memo["audit"] = []
        block.before_end(lambda: _write(pending))
    pending.extend(built)
    return True


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


def _write(built: list[tuple[tuple, list[int]]]) -> list[int]:
    """Write audit rows (in ``_AUDIT_COLUMNS`` order) with the ids of the entities each
    concerns; the ids of the rows, in order. Plain SQL: audit rows are written on every hot
    path. On PostgreSQL one statement for the rows and their links, elsewhere two."""
    if not built:
        return []
    if connection.vendor != "postgresql":
        ids = db.insert_rows(AuditEntry, _AUDIT_COLUMNS, [row for row, _ in built], returning="id")
        _audit_entities_insert(
            (pk, entity_id)
            for pk, (_, entity_ids) in zip(ids, built, strict=True)
            for entity_id in entity_ids
        )
        return ids
    qn = connection.ops.quote_name
    links = AuditEntry._meta.get_field("legal_entities")
    arrays = ", ".join(f"%s::{t}[]" for t in db.array_types(AuditEntry, _AUDIT_COLUMNS))
    ordinals = [i for i, (_, entity_ids) in enumerate(built, start=1) for _ in entity_ids]
    entities = [entity_id for _, entity_ids in built for entity_id in entity_ids]
    # The rows' ids come from their sequence in the order UNNEST gives the rows (as Django's
    # bulk_create relies on): the n-th smallest id is the n-th row.
    sql = (
        f"WITH a AS (INSERT INTO {qn(AuditEntry._meta.db_table)} "  # noqa: S608
        f"({', '.join(qn(c) for c in _AUDIT_COLUMNS)}) SELECT * FROM UNNEST({arrays}) "
        "RETURNING id), "
        "n AS (SELECT id, row_number() OVER (ORDER BY id) AS i FROM a), "
        f"l AS (INSERT INTO {qn(links.remote_field.through._meta.db_table)} "
        f"({qn(links.m2m_column_name())}, {qn(links.m2m_reverse_name())}) "
        "SELECT n.id, e.entity FROM n JOIN UNNEST(%s::bigint[], %s::bigint[]) AS e(i, entity) "
        "ON e.i = n.i) SELECT id FROM n ORDER BY i"
    )
    columns = [list(column) for column in zip(*(row for row, _ in built), strict=True)]
    with db.cursor() as cursor:
        cursor.execute(sql, [*columns, ordinals, entities])
        return [row[0] for row in cursor.fetchall()]
