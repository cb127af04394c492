"""Aging snapshot of one legal entity with many customers: ``aging_snapshot_create`` (grouped
conditional sums a chunk of customers at a time, lines written with ``bulk_create``) beside the
floor, one INSERT … SELECT of the same lines in plain SQL; with the peak of Python memory.

The book is written with plain SQL: ``BENCH_AGING_CUSTOMERS`` customers (default 100,000), each
with two invoices and a payment spread over 150 days of due dates.
"""

import os
import time
import tracemalloc
from datetime import date

from _setup import django_setup

CUSTOMERS = int(os.environ.get("BENCH_AGING_CUSTOMERS", "100000"))
AS_OF = date(2026, 6, 30)
CODE = "AGB"


def setup_book():
    from django.db import connection

    from entities.models import LegalEntity
    from ledger.services import VoucherInput, VoucherLineInput, legal_entity_create, voucher_post

    entity = LegalEntity.objects.filter(code=CODE).first()
    if entity is None:
        entity = legal_entity_create(
            code=CODE, name="Bench aging", accounting_currency="USD", actor=None
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM entities_customer WHERE legal_entity_id = %s", [entity.pk]
        )
        if cursor.fetchone()[0] == CUSTOMERS:
            return entity
    from decimal import Decimal

    voucher = voucher_post(
        voucher=VoucherInput(
            legal_entity=entity,
            date=date(2026, 3, 2),
            lines=[
                VoucherLineInput(posting_type="bank", currency="USD", amount=Decimal("1.00")),
                VoucherLineInput(posting_type="revenue", currency="USD", amount=Decimal("-1.00")),
            ],
        ),
        actor=None,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM collections_app_agingsnapshot_legal_entities; "
            "DELETE FROM collections_app_agingsnapshotline; "
            "DELETE FROM collections_app_agingsnapshot; "
            "DELETE FROM receivables_opentransaction WHERE legal_entity_id = %(e)s; "
            "DELETE FROM entities_customer WHERE legal_entity_id = %(e)s; "
            "DELETE FROM entities_party WHERE number LIKE 'AGB%%'; "
            "INSERT INTO entities_party (number, name, created_at) "
            "SELECT 'AGB' || g, 'Bench party ' || g, now() FROM generate_series(1, %(n)s) g; "
            "INSERT INTO entities_customer (legal_entity_id, account, party_id, name, currency, "
            "blocked, created_at) SELECT %(e)s, substr(p.number, 4), p.id, '', 'USD', false, "
            "now() FROM entities_party p WHERE p.number LIKE 'AGB%%'; "
            "INSERT INTO receivables_opentransaction (legal_entity_id, customer_id, party_id, "
            "kind, voucher_id, document_number, date, due_date, currency, rate, amount, "
            "open_amount, accounting_amount, open_accounting_amount, amount_before_tax, "
            "created_at) "
            "SELECT c.legal_entity_id, c.id, c.party_id, k.kind, %(v)s, k.kind || c.id, "
            "d.due - 30, d.due, 'USD', 1, k.sign * a.amount, k.sign * a.amount, "
            "k.sign * a.amount, k.sign * a.amount, k.sign * a.amount, now() "
            "FROM entities_customer c "
            "CROSS JOIN (VALUES ('invoice', 1, 0), ('invoice', 1, 1), ('payment', -1, 2)) "
            "  AS k(kind, sign, n) "
            "CROSS JOIN LATERAL (SELECT date '2026-07-31' - ((c.id * 7 + k.n * 53) %% 150)::int "
            "  AS due) d "
            "CROSS JOIN LATERAL (SELECT ((c.id * 13 + k.n * 7) %% 900 + 100)::numeric "
            "  / (CASE WHEN k.sign < 0 THEN 4 ELSE 1 END) AS amount) a "
            "WHERE c.legal_entity_id = %(e)s; "
            "ANALYZE receivables_opentransaction; ANALYZE entities_customer",
            {"e": entity.pk, "n": CUSTOMERS, "v": voucher.pk},
        )
    return entity


FLOOR_SQL = """
INSERT INTO collections_app_agingsnapshotline (snapshot_id, legal_entity_id, customer_id,
    party_id, currency, balance, not_due, overdue, buckets)
SELECT %(s)s, %(e)s, customer_id, party_id, 'USD',
    sum(open_accounting_amount),
    coalesce(sum(open_accounting_amount) FILTER (WHERE due_date >= %(d)s), 0),
    coalesce(sum(open_accounting_amount) FILTER (WHERE due_date < %(d)s), 0),
    jsonb_build_array(
        round(coalesce(sum(open_accounting_amount) FILTER (WHERE due_date >= %(d)s), 0), 2)::text,
        round(coalesce(sum(open_accounting_amount) FILTER (WHERE due_date < %(d)s
            AND due_date >= %(d)s - 30), 0), 2)::text,
        round(coalesce(sum(open_accounting_amount) FILTER (WHERE due_date < %(d)s - 30
            AND due_date >= %(d)s - 60), 0), 2)::text,
        round(coalesce(sum(open_accounting_amount) FILTER (WHERE due_date < %(d)s - 60
            AND due_date >= %(d)s - 90), 0), 2)::text,
        round(coalesce(sum(open_accounting_amount) FILTER (WHERE due_date < %(d)s - 90), 0),
            2)::text)
FROM receivables_opentransaction
WHERE legal_entity_id = %(e)s AND date <= %(d)s AND open_amount <> 0
GROUP BY customer_id, party_id
"""


def floor(entity) -> float:
    from django.db import connection, transaction

    from collections_app.models import AgingSnapshot
    from collections_app.selectors import aging_period_set_get

    started = time.perf_counter()
    with transaction.atomic():
        snapshot = AgingSnapshot.objects.create(
            legal_entity=entity, period_set=aging_period_set_get(), as_of=date(2000, 1, 1)
        )
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, {"s": snapshot.pk, "e": entity.pk, "d": AS_OF})
        transaction.set_rollback(True)
    return time.perf_counter() - started


def service(entity) -> tuple[float, int, int, float]:
    from collections_app.selectors import aging_period_set_get
    from collections_app.services import aging_party_snapshot_create, aging_snapshot_create

    tracemalloc.start()
    started = time.perf_counter()
    snapshot = aging_snapshot_create(legal_entity=entity, as_of=AS_OF)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    aging_party_snapshot_create(period_set=aging_period_set_get(), as_of=AS_OF)
    party_elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, snapshot.line_count, peak, party_elapsed


def main() -> None:
    django_setup()
    entity = setup_book()
    floor_seconds = floor(entity)
    seconds, lines, peak, party_seconds = service(entity)
    print(f"aging snapshot of {lines:,} customers ({lines * 3:,} open transactions)")
    print(
        f"  floor: one INSERT … SELECT     {floor_seconds:7.2f} s  {lines / floor_seconds:9,.0f}/s"
    )
    print(
        f"  aging_snapshot_create         {seconds:7.2f} s  {lines / seconds:9,.0f}/s  "
        f"({floor_seconds / seconds:.0%} of the floor)"
    )
    print(
        f"  aging_party_snapshot_create   {party_seconds:7.2f} s  {lines / party_seconds:9,.0f}/s"
    )
    print(f"  peak Python memory of both: {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
