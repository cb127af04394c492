"""The collections page at volume: a generated book of 100,000 customers (30,000 parties in 3
legal entities) and 1,000,000 open transactions (``manage.py generate_book``), aged by the
aging snapshot job, then the page's first page (50 rows and the chart) served through the whole
Django stack, beside the bare SQL the page needs (the top 50 lines and the chart's sums) in the
same run; and, for scale, the live aggregate over the open transactions it avoids.

``BENCH_BOOK_CUSTOMERS`` (100,000), ``BENCH_BOOK_PARTIES`` (30,000), ``BENCH_BOOK_TRANSACTIONS``
(1,000,000) set the sizes. Target: under 300 ms and at most 2× the bare SQL; a fixed number of
queries.
"""

import os
import statistics
import time
from datetime import date

from _setup import django_setup

CUSTOMERS = int(os.environ.get("BENCH_BOOK_CUSTOMERS", "100000"))
PARTIES = int(os.environ.get("BENCH_BOOK_PARTIES", "30000"))
TRANSACTIONS = int(os.environ.get("BENCH_BOOK_TRANSACTIONS", "1000000"))
AS_OF = date(2026, 6, 30)
RUNS = 15


def _median_ms(fn, runs: int = RUNS) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    django_setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from collections_app.models import AgingSnapshot
    from core.jobs import job_run, job_start
    from entities.models import LegalEntity

    prefix = f"B{CUSTOMERS // 1000}K"
    started = time.perf_counter()
    call_command(
        "generate_book",
        parties=PARTIES,
        customers=CUSTOMERS,
        transactions=TRANSACTIONS,
        prefix=prefix,
        as_of=AS_OF.isoformat(),
    )
    print(
        f"Book: {time.perf_counter() - started:.1f} s to generate (or find) {TRANSACTIONS:,} "
        f"open transactions of {CUSTOMERS:,} customers"
    )
    entities = list(LegalEntity.objects.filter(code__startswith=prefix).order_by("code"))
    aged = AgingSnapshot.objects.filter(legal_entity__in=entities, as_of=AS_OF, is_complete=True)
    if aged.count() != len(entities):
        job = job_start(
            kind="aging_snapshot", legal_entities=entities, as_of=AS_OF, actor=None, enqueue=False
        )
        started = time.perf_counter()
        job = job_run(job_id=job.pk)
        assert job.state == "done", job.errors
        print(
            f"Aging snapshot job: {time.perf_counter() - started:.1f} s for {CUSTOMERS:,} customers"
        )

    user, _ = get_user_model().objects.get_or_create(
        username="bench-collections", defaults={"is_superuser": True, "is_staff": True}
    )
    from django.conf import settings
    from django.test.utils import override_settings

    # Served as in production, but without a collected static manifest.
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    client = Client()
    client.force_login(user)
    codes = ",".join(e.code for e in entities)

    def page():
        response = client.get("/collections/")
        assert response.status_code == 200, response.status_code

    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        page()
    page_ms = _median_ms(page)

    snapshot_ids = list(
        AgingSnapshot.objects.filter(
            legal_entity__in=entities, as_of=AS_OF, is_complete=True
        ).values_list("pk", flat=True)
    )
    rows_sql = (
        "SELECT l.*, c.account, c.name, p.number, p.name "
        "FROM collections_app_agingsnapshotline l "
        "JOIN entities_customer c ON c.id = l.customer_id "
        "JOIN entities_party p ON p.id = l.party_id "
        "WHERE l.snapshot_id = ANY(%s) AND l.customer_id IS NOT NULL "
        "ORDER BY l.overdue DESC, l.legal_entity_id, c.account LIMIT 50"
    )
    sums_sql = (
        "SELECT legal_entity_id, currency, sum(balance), sum(overdue), "
        + ", ".join(f"sum((buckets->>{i})::numeric)" for i in range(5))
        + " FROM collections_app_agingsnapshotline WHERE snapshot_id = ANY(%s) "
        "AND customer_id IS NOT NULL GROUP BY legal_entity_id, currency"
    )

    def bare():
        with connection.cursor() as cursor:
            cursor.execute(rows_sql, [snapshot_ids])
            cursor.fetchall()
            cursor.execute(sums_sql, [snapshot_ids])
            cursor.fetchall()

    bare_ms = _median_ms(bare)

    live_sql = (
        "SELECT customer_id, sum(open_accounting_amount) AS balance, "
        "sum(open_accounting_amount) FILTER (WHERE due_date < %s) AS overdue "
        "FROM receivables_opentransaction WHERE legal_entity_id = ANY(%s) AND open_amount <> 0 "
        "GROUP BY customer_id ORDER BY overdue DESC NULLS LAST LIMIT 50"
    )

    def live():
        with connection.cursor() as cursor:
            cursor.execute(live_sql, [AS_OF, [e.pk for e in entities]])
            cursor.fetchall()

    live_ms = _median_ms(live, runs=3)
    print(f"Collections page, first page (50 rows and the chart) of {codes}, median of {RUNS}:")
    print(f"  {'bare SQL: top 50 lines + chart sums':<44} {bare_ms:>8.1f} ms")
    print(
        f"  {'GET /collections/ (whole Django stack)':<44} {page_ms:>8.1f} ms  "
        f"({page_ms / bare_ms:.1f}× the bare SQL; {len(queries)} queries)"
    )
    print(f"  {'for scale: live aggregate of the open items':<44} {live_ms:>8.1f} ms")


if __name__ == "__main__":
    main()
