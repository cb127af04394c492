"""Scheduled jobs at volume: interest notes for 100,000 overdue invoices of 10,000 customers, and
recurring invoices for 20,000 assignments, each run as a job (``job_start`` + ``job_run``, with
its progress rows) beside the floor: the same rows written with plain multi-row INSERTs in the
same run, one transaction per chunk, no checks.

The overdue invoices are set up as open transactions written directly (the bench measures the
interest calculation, not invoice posting): they share one balanced set-up voucher.

The floor writes the same rows the job writes (notes and lines, or invoices, lines and
occurrences, and their audit rows), with the values the job computed, with plain INSERTs of the
same shape the jobs use (one array per column), so the difference is the jobs' reading,
locking and computing.

Then the interest job runs again ten days later on the same book: it reads what the notes
charged and adds each invoice's interest for the ten days (interest is cumulative, see
``receivables.interest``); its rate is printed beside the first run's, without a floor.

Memory: the growth of the process's resident memory while the interest job runs (sampled every
20 ms, after returning freed memory to the system) is printed for the full book and for a quarter
of it; chunked work keeps the two close.

``BENCH_CUSTOMERS`` (10,000), ``BENCH_INVOICES`` (100,000) and ``BENCH_ASSIGNMENTS`` (20,000) set
the sizes. Target: each job at 25 % of its floor or more.
"""

import contextlib
import ctypes
import gc
import os
import threading
import time
from datetime import date, timedelta
from decimal import Decimal

from _setup import django_setup

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "10000"))
INVOICES = int(os.environ.get("BENCH_INVOICES", "100000"))
ASSIGNMENTS = int(os.environ.get("BENCH_ASSIGNMENTS", "20000"))
AS_OF = date(2026, 6, 30)
BATCH = 1000
AUDIT_COLUMNS = [
    "created_at",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "legal_entity_id",
    "changes",
]


def _truncate(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def _delete(*tables: str) -> None:
    """Empty tables that others point at (TRUNCATE … CASCADE would empty those too)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


def _insert(cursor, table: str, columns: list[str], rows: list[tuple], returning: bool = False):
    """The floor's plain INSERT: the fastest plain SQL at hand, the same statement shape the
    jobs use (on PostgreSQL one array per column, ``INSERT … SELECT FROM UNNEST``)."""
    from django.apps import apps

    from core import db

    model = next(m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table)
    return db.insert_rows(model, columns, rows, returning="id" if returning else None)


def _entity(code: str):
    from entities.models import LegalEntity
    from ledger.services import legal_entity_create

    return LegalEntity.objects.filter(code=code).first() or legal_entity_create(
        code=code, name=f"Bench {code}", accounting_currency="USD", actor=None
    )


def _customers(entity, count: int, prefix: str, **fields):
    from entities.models import Customer, Party

    existing = Customer.objects.filter(legal_entity=entity).count()
    if existing < count:
        parties = Party.objects.bulk_create(
            [Party(number=f"{prefix}{n:06d}", name=f"Party {n}") for n in range(existing, count)],
            batch_size=5000,
        )
        Customer.objects.bulk_create(
            [
                Customer(
                    legal_entity=entity,
                    account=f"{prefix}{existing + k:06d}",
                    party=party,
                    currency="USD",
                )
                for k, party in enumerate(parties)
            ],
            batch_size=5000,
        )
    Customer.objects.filter(legal_entity=entity).update(**fields)
    return list(Customer.objects.filter(legal_entity=entity).order_by("pk")[:count])


def _overdue_book(entity, customers, invoices: int) -> None:
    """``invoices`` open invoices spread over the customers, 1 to 200 days overdue on AS_OF."""
    from ledger.models import PostingType
    from ledger.services import VoucherInput, VoucherLineInput, voucher_post
    from receivables.models import OpenTransaction

    voucher = voucher_post(
        voucher=VoucherInput(
            legal_entity=entity,
            date=date(2026, 1, 1),
            description="Bench set-up",
            lines=[
                VoucherLineInput(PostingType.BANK, "USD", Decimal("1.00")),
                VoucherLineInput(PostingType.REVENUE, "USD", Decimal("-1.00")),
            ],
        ),
        actor=None,
    )
    rows = []
    for i in range(invoices):
        customer = customers[i % len(customers)]
        amount = Decimal(100 + i % 5000) + Decimal("0.50")
        due = AS_OF - timedelta(days=1 + i % 200)
        rows.append(
            OpenTransaction(
                legal_entity=entity,
                customer=customer,
                party_id=customer.party_id,
                kind="invoice",
                voucher=voucher,
                document_number=f"{entity.code}-B{i:07d}",
                date=due - timedelta(days=30),
                due_date=due,
                currency="USD",
                rate=Decimal(1),
                amount=amount,
                open_amount=amount,
                accounting_amount=amount,
                open_accounting_amount=amount,
                amount_before_tax=amount,
            )
        )
    OpenTransaction.objects.bulk_create(rows, batch_size=5000)


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _run_job(kind: str, entity, as_of: date = AS_OF) -> tuple[float, object, int]:
    """Seconds, the finished job, and the growth of resident memory in bytes while it ran."""
    from core.jobs import job_run, job_start

    job = job_start(kind=kind, legal_entities=[entity], as_of=as_of, actor=None, enqueue=False)
    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    start_rss, peak = _rss(), [0]
    running = threading.Event()
    running.set()

    def sample():
        while running.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    job = job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    running.clear()
    sampler.join()
    assert job.state == "done", job.errors
    return seconds, job, max(0, peak[0] - start_rss)


def bench_interest() -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from receivables.models import InterestNote, InterestNoteLine
    from receivables.services import InterestCurrencyInput, InterestRangeInput, interest_code_save

    _truncate(
        "receivables_interestnoteline",
        "receivables_interestnote",
        "receivables_opentransactiondiscount",
        "receivables_opentransaction",
        "entities_jobclaim",
        "entities_job_legal_entities",
        "entities_job",
        "entities_auditentry_legal_entities",
        "entities_auditentry",
    )
    from receivables.models import InterestCode

    code = InterestCode.objects.filter(code="BENCHI").first() or interest_code_save(
        code="BENCHI",
        charge_per="day",
        ranges_by="day",
        ranges=[
            InterestRangeInput(1, 30, Decimal("0.03")),
            InterestRangeInput(31, 60, Decimal("0.05")),
            InterestRangeInput(61, None, Decimal("0.08")),
        ],
        currencies=[InterestCurrencyInput("USD", Decimal("2.50"), Decimal("1.00"))],
        actor=None,
    )
    big, small = _entity("SBI"), _entity("SBJ")
    _overdue_book(big, _customers(big, CUSTOMERS, "BI", interest_code=code), INVOICES)
    _overdue_book(small, _customers(small, CUSTOMERS // 4, "BJ", interest_code=code), INVOICES // 4)

    small_seconds, _, small_peak = _run_job("interest_notes", small)
    seconds, job, peak = _run_job("interest_notes", big)
    notes = list(
        InterestNote.objects.filter(legal_entity=big)
        .order_by("pk")
        .values_list(
            "legal_entity_id",
            "customer_id",
            "interest_code_id",
            "currency",
            "date",
            "interest",
            "minimum_adjustment",
            "fee",
            "total",
            "job_id",
        )
    )
    lines = list(
        InterestNoteLine.objects.filter(note__legal_entity=big)
        .order_by("pk")
        .values_list(
            "note_id",
            "open_transaction_id",
            "document_number",
            "due_date",
            "period_start",
            "period_end",
            "days",
            "months",
            "base",
            "percent",
            "amount",
        )
    )
    note_index = {
        pk: i
        for i, pk in enumerate(
            InterestNote.objects.filter(legal_entity=big)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    }
    # Ten days later the job reads what the notes charged and tops each invoice up.
    rerun_seconds, rerun, _ = _run_job("interest_notes", big, AS_OF + timedelta(days=10))
    _delete(
        "receivables_interestnoteline",
        "receivables_interestnote",
        "entities_auditentry_legal_entities",
        "entities_auditentry",
    )
    note_type = ContentType.objects.get_for_model(InterestNote).pk

    by_note: dict[int, list[tuple]] = {}
    for line in lines:
        by_note.setdefault(note_index[line[0]], []).append(line[1:])
    started = time.perf_counter()
    for start in range(0, len(notes), BATCH):
        chunk = notes[start : start + BATCH]
        with transaction.atomic(), connection.cursor() as cursor:
            ids = _insert(
                cursor,
                "receivables_interestnote",
                [
                    "legal_entity_id",
                    "customer_id",
                    "interest_code_id",
                    "currency",
                    "date",
                    "interest",
                    "minimum_adjustment",
                    "fee",
                    "total",
                    "job_id",
                    "number",
                    "status",
                    "created_at",
                ],
                [(*n, "", "draft", AS_OF) for n in chunk],
                returning=True,
            )
            audit_ids = _insert(
                cursor,
                "entities_auditentry",
                AUDIT_COLUMNS,
                [
                    (AS_OF, "interest_note.created", note_type, str(i), f"note {i}", big.pk, "{}")
                    for i in ids
                ],
                returning=True,
            )
            _insert(
                cursor,
                "entities_auditentry_legal_entities",
                ["auditentry_id", "legalentity_id"],
                [(a, big.pk) for a in audit_ids],
            )
            rows = [
                (note_id, *line)
                for k, note_id in enumerate(ids)
                for line in by_note.get(start + k, [])
            ]
            for part in range(0, len(rows), BATCH):
                _insert(
                    cursor,
                    "receivables_interestnoteline",
                    [
                        "note_id",
                        "open_transaction_id",
                        "document_number",
                        "due_date",
                        "period_start",
                        "period_end",
                        "days",
                        "months",
                        "base",
                        "percent",
                        "amount",
                    ],
                    rows[part : part + BATCH],
                )
    floor_seconds = time.perf_counter() - started

    count = len(lines)
    print(
        f"Interest notes: {INVOICES:,} overdue invoices of {CUSTOMERS:,} customers → "
        f"{job.result['notes']:,} notes, {count:,} lines"
    )
    print(f"  {'floor: plain SQL, same rows':<40} {count / floor_seconds:>9,.0f} lines/s")
    rate = count / seconds
    print(
        f"  {'job interest_notes (service)':<40} {rate:>9,.0f} lines/s  "
        f"({rate / (count / floor_seconds):.0%} of the floor)"
    )
    print(
        f"  {'rerun 10 days later (tops up)':<40} {rerun.result['lines'] / rerun_seconds:>9,.0f} "
        f"lines/s  ({rerun.result['lines']:,} lines over {count:,} charged)"
    )
    print(
        f"  resident memory grew {peak / 2**20:.0f} MiB for {INVOICES:,} invoices, "
        f"{small_peak / 2**20:.0f} MiB for {INVOICES // 4:,} ({small_seconds:.1f} s)"
    )


def bench_recurring() -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from receivables.models import (
        Invoice,
        InvoiceLine,
        RecurringInvoiceAssignment,
        RecurringInvoiceOccurrence,
    )
    from receivables.services import TemplateLineInput, recurring_template_save

    _truncate(
        "receivables_recurringinvoiceoccurrence",
        "receivables_recurringinvoiceassignment",
        "receivables_recurringinvoicetemplateline",
        "receivables_recurringinvoicetemplate",
        "receivables_invoiceline",
        "receivables_invoice",
        "entities_jobclaim",
        "entities_job_legal_entities",
        "entities_job",
        "entities_auditentry_legal_entities",
        "entities_auditentry",
    )
    entity = _entity("SBR")
    customers = _customers(entity, ASSIGNMENTS, "BR")
    template = recurring_template_save(
        legal_entity=entity,
        code="BENCH",
        description="Bench subscription",
        lines=[TemplateLineInput(description="Subscription", amount=Decimal("99.00"))],
        actor=None,
    )
    RecurringInvoiceAssignment.objects.bulk_create(
        [
            RecurringInvoiceAssignment(
                template=template,
                customer=c,
                start_date=AS_OF - timedelta(days=k % 28),
                frequency="months",
                occurrences=12,
            )
            for k, c in enumerate(customers)
        ],
        batch_size=5000,
    )
    seconds, job, _peak = _run_job("recurring_invoices", entity)
    invoices = list(
        Invoice.objects.filter(legal_entity=entity)
        .order_by("pk")
        .values_list(
            "legal_entity_id",
            "customer_id",
            "date",
            "currency",
            "payment_terms_id",
            "cash_discount_id",
            "description",
            "total",
            "tax_amount",
        )
    )
    lines = list(
        InvoiceLine.objects.filter(invoice__legal_entity=entity)
        .order_by("pk")
        .values_list(
            "description",
            "quantity",
            "unit_price",
            "amount",
            "sales_tax_code_id",
            "tax_amount",
            "account_id",
        )
    )
    occurrences = list(
        RecurringInvoiceOccurrence.objects.filter(assignment__template=template)
        .order_by("pk")
        .values_list("assignment_id", "sequence", "period_date", "job_id")
    )
    _delete(
        "receivables_recurringinvoiceoccurrence",
        "receivables_invoiceline",
        "receivables_invoice",
        "entities_auditentry_legal_entities",
        "entities_auditentry",
    )
    invoice_type = ContentType.objects.get_for_model(Invoice).pk
    started = time.perf_counter()
    for start in range(0, len(invoices), BATCH):
        with transaction.atomic(), connection.cursor() as cursor:
            ids = _insert(
                cursor,
                "receivables_invoice",
                [
                    "legal_entity_id",
                    "customer_id",
                    "date",
                    "currency",
                    "payment_terms_id",
                    "cash_discount_id",
                    "description",
                    "total",
                    "tax_amount",
                    "number",
                    "status",
                    "created_at",
                ],
                [(*row, "", "draft", AS_OF) for row in invoices[start : start + BATCH]],
                returning=True,
            )
            _insert(
                cursor,
                "receivables_invoiceline",
                [
                    "invoice_id",
                    "description",
                    "quantity",
                    "unit_price",
                    "amount",
                    "sales_tax_code_id",
                    "tax_amount",
                    "account_id",
                ],
                [(i, *line) for i, line in zip(ids, lines[start : start + BATCH], strict=True)],
            )
            _insert(
                cursor,
                "receivables_recurringinvoiceoccurrence",
                ["invoice_id", "assignment_id", "sequence", "period_date", "job_id", "created_at"],
                [
                    (i, *o, AS_OF)
                    for i, o in zip(ids, occurrences[start : start + BATCH], strict=True)
                ],
            )
            audit_ids = _insert(
                cursor,
                "entities_auditentry",
                AUDIT_COLUMNS,
                [
                    (AS_OF, "invoice.created", invoice_type, str(i), f"draft {i}", entity.pk, "{}")
                    for i in ids
                ],
                returning=True,
            )
            _insert(
                cursor,
                "entities_auditentry_legal_entities",
                ["auditentry_id", "legalentity_id"],
                [(a, entity.pk) for a in audit_ids],
            )
    floor_seconds = time.perf_counter() - started
    count = len(invoices)
    print(f"Recurring invoices: {ASSIGNMENTS:,} assignments → {job.result['invoices']:,} invoices")
    print(f"  {'floor: plain SQL, same rows':<40} {count / floor_seconds:>9,.0f} invoices/s")
    rate = count / seconds
    print(
        f"  {'job recurring_invoices (service)':<40} {rate:>9,.0f} invoices/s  "
        f"({rate / (count / floor_seconds):.0%} of the floor)"
    )


def main() -> None:
    django_setup()

    bench_interest()
    bench_recurring()


if __name__ == "__main__":
    main()
