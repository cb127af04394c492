"""Gap-free number sequences per legal entity (vouchers, invoices, payments, …)."""

from collections.abc import Mapping

from django.db import connection

from core import db
from entities.models import LegalEntity

from .. import sql as ledger_sql
from ..models import (
    NumberSequence,
)

VOUCHER_SEQUENCE = "voucher"


def numbers_take(
    *, legal_entity: LegalEntity, name: str, count: int = 1, prefix: str | None = None
) -> list[str]:
    """Reserve ``count`` consecutive numbers of a per-entity sequence (vouchers, invoices, …).

    The sequence row stays locked until commit, so numbers are gap-free: a rolled-back
    transaction gives its numbers back. Callers lock sequences in a fixed order (entity, then
    name) when they take several.
    """
    assert connection.in_atomic_block, "numbers are taken inside the posting transaction"
    sql = ledger_sql.sequence_advance()
    with db.cursor() as cursor:
        cursor.execute(sql, [count, legal_entity.pk, name])
        row = cursor.fetchone()
        if row is None:  # first use of this sequence in this entity
            NumberSequence.objects.get_or_create(
                legal_entity=legal_entity,
                name=name,
                defaults={"prefix": prefix or f"{legal_entity.code}-{name[:3].upper()}"},
            )
            cursor.execute(sql, [count, legal_entity.pk, name])
            row = cursor.fetchone()
    after, prefix = row
    return [f"{prefix}{n:08d}" for n in range(after - count, after)]


def _voucher_numbers_take(counts: Mapping[LegalEntity, int]) -> dict[int, list[str]]:
    """Voucher numbers of several entities (``numbers_take``), their sequence rows locked in
    entity order as taking them entity by entity would; on PostgreSQL with one statement."""
    ordered = sorted(counts.items(), key=lambda item: item[0].pk)
    taken: dict[int, list[str]] = {}
    if len(ordered) > 1 and connection.vendor == "postgresql":
        assert connection.in_atomic_block, "numbers are taken inside the posting transaction"
        sql = ledger_sql.sequences_advance(len(ordered))
        params = [VOUCHER_SEQUENCE, *(e.pk for e, _ in ordered)]
        for entity, count in ordered:
            params += [entity.pk, count]
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        count_of = {e.pk: n for e, n in ordered}
        for entity_pk, after, prefix in rows:
            n = count_of[entity_pk]
            taken[entity_pk] = [f"{prefix}{i:08d}" for i in range(after - n, after)]
    for entity, count in ordered:
        if entity.pk not in taken:  # one entity, another database, or a sequence not made yet
            taken[entity.pk] = numbers_take(
                legal_entity=entity, name=VOUCHER_SEQUENCE, count=count, prefix=f"{entity.code}-V"
            )
    return taken
