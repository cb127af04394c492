"""The audit trail: every state change writes a row (who, what, when, old → new) in the
change's own transaction, naming the legal entities it concerns."""

from collections.abc import Iterable, Mapping
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
    them. A change that concerns no entity (group-wide data) is shown to stewards and admins."""
    assert connection.in_atomic_block, "audit rows are written in the change's transaction"
    who = actor if actor is not None and actor.is_authenticated else None
    content_type = ContentType.objects.get_for_model(obj)
    created_at, created_at_db = db.now()
    values = {
        "actor": who,
        "action": action,
        "content_type": content_type,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
        "legal_entity": legal_entity,
        "changes": {
            k: [_jsonable(old, currency), _jsonable(new, currency)]
            for k, (old, new) in (changes or {}).items()
        },
    }
    # One plain INSERT: audit rows are written on every hot path (postings, settlements).
    (pk,) = db.insert_rows(
        AuditEntry,
        _AUDIT_COLUMNS,
        [
            (
                created_at_db,
                who.pk if who is not None else None,
                action,
                content_type.pk,
                values["object_id"],
                values["object_repr"],
                legal_entity.pk if legal_entity is not None else None,
                AuditEntry._meta.get_field("changes").get_db_prep_save(
                    values["changes"], connection
                ),
            )
        ],
        returning="id",
    )
    entity_ids = {_entity_id(e) for e in (legal_entity, *legal_entities)} - {None}
    _audit_entities_insert((pk, entity_id) for entity_id in entity_ids)
    return db.inserted(AuditEntry, id=pk, created_at=created_at, **values)


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
    content_type = ContentType.objects.get_for_model(objects[0])
    who = actor if actor is not None and actor.is_authenticated else None
    entries = AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=who,
            action=action,
            content_type=content_type,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            legal_entity=legal_entity_of(obj) if legal_entity_of else None,
            changes={},
        )
        for obj in objects
    )
    _audit_entities_insert(
        (entry.pk, entry.legal_entity_id) for entry in entries if entry.legal_entity_id
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
    ids = db.insert_rows(
        AuditEntry,
        _AUDIT_COLUMNS,
        [
            (now, who, action, content_type, str(pk), text[:200], entity, empty)
            for pk, text, entity in rows
        ],
        returning="id",
    )
    _audit_entities_insert(
        (entry_id, entity)
        for entry_id, (_, _, entity) in zip(ids, rows, strict=True)
        if entity is not None
    )
