"""A SEPA direct debit collection run, beside the plain-SQL floor of the same rows.

``BENCH_DD_MANDATES`` mandates (default 10,000) with three open EUR invoices each (written
directly as open transactions), collected by one run as a worker runs it (``job_start`` +
``job_run``: the preparation with progress, then one transaction posting one payment per mandate
settled against its three debits, the mandates advanced, each chunk's transactions added to the
pain.008, which is then assembled, validated and stored). Then the run's rows are taken back and
written again as the floor: every row the run inserted (payments, vouchers and ledger lines,
open transactions, settlements and their lines and voucher links, the run's payment rows, audit
rows) with one plain INSERT per table, and the open transactions and mandates it updated with
one UPDATE each, in one transaction (balance trigger on). Prints payments per second, the
pain.008 build time, each beside the floor (target: the run at 30 % of it or more), and the
growth of resident memory for the whole run and for a quarter of it.
"""

import contextlib
import ctypes
import gc
import os
import threading
import time
from datetime import timedelta
from decimal import Decimal

from _setup import django_setup, reset_ledger

MANDATES = int(os.environ.get("BENCH_DD_MANDATES", "10000"))
DEBITS = 3
CREDITOR_ID = "DE98ZZZ09999999999"


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _book(count: int):
    """The entity, its EUR bank account and ``count`` customers with a mandate and three open
    invoices each (open transactions written directly)."""
    from django.utils import timezone

    from banking.models import BankAccount, DirectDebitMandate
    from entities.models import Customer, LegalEntity, Party
    from ledger.models import MainAccount, PostingType
    from ledger.services import VoucherInput, VoucherLineInput, legal_entity_create, voucher_post
    from receivables.models import OpenTransaction
    from tests.factories.entities import fiscal_years_open

    today = timezone.localdate()
    entity = LegalEntity.objects.filter(code="BDD").first() or legal_entity_create(
        code="BDD",
        name="Bench direct debits",
        accounting_currency="EUR",
        parameters={"sepa_creditor_identifier": CREDITOR_ID},
        actor=None,
    )
    fiscal_years_open(entity, [today.year, today.year + 1])
    main = MainAccount.objects.get_or_create(
        legal_entity=entity, number="110300", defaults={"name": "Bank EUR", "kind": "asset"}
    )[0]
    account = BankAccount.objects.get_or_create(
        legal_entity=entity,
        code="EUR",
        defaults={
            "name": "EUR",
            "iban": "DE02120300000000202051",
            "currency": "EUR",
            "main_account": main,
        },
    )[0]
    Party.objects.bulk_create(
        [Party(number=f"DD{n:06d}", name=f"Debtor {n}") for n in range(count)],
        ignore_conflicts=True,
    )
    parties = Party.objects.filter(number__startswith="DD").order_by("number")[:count]
    Customer.objects.bulk_create(
        [Customer(legal_entity=entity, account=p.number, party=p, currency="EUR") for p in parties],
        ignore_conflicts=True,
    )
    customers = list(Customer.objects.filter(legal_entity=entity).order_by("account")[:count])
    DirectDebitMandate.objects.filter(legal_entity=entity).delete()
    DirectDebitMandate.objects.bulk_create(
        [
            DirectDebitMandate(
                legal_entity=entity,
                customer=c,
                reference=f"M-{c.account}",
                iban="DE89370400440532013000",
                signature_date=today - timedelta(days=100),
                recurrent=True,
                next_sequence_type="FRST",
            )
            for c in customers
        ],
        batch_size=5000,
    )
    voucher = voucher_post(
        voucher=VoucherInput(
            legal_entity=entity,
            date=today,
            description="Bench set-up",
            lines=[
                VoucherLineInput(PostingType.BANK, "EUR", Decimal("1.00")),
                VoucherLineInput(PostingType.REVENUE, "EUR", Decimal("-1.00")),
            ],
        ),
        actor=None,
    )
    rows = []
    for n, customer in enumerate(customers):
        for k in range(DEBITS):
            amount = Decimal(50 + (n * DEBITS + k) % 900) + Decimal("0.25")
            rows.append(
                OpenTransaction(
                    legal_entity=entity,
                    customer=customer,
                    party_id=customer.party_id,
                    kind="invoice",
                    voucher=voucher,
                    document_number=f"BDD-I{n * DEBITS + k:07d}",
                    date=today,
                    due_date=today,
                    currency="EUR",
                    rate=Decimal(1),
                    amount=amount,
                    open_amount=amount,
                    accounting_amount=amount,
                    open_accounting_amount=amount,
                    amount_before_tax=amount,
                )
            )
    OpenTransaction.objects.bulk_create(rows, batch_size=5000)
    return entity, account


def _written_models():
    from banking.models import DirectDebitPayment
    from core.models import AuditEntry
    from ledger.models import LedgerEntry, Voucher
    from receivables.models import OpenTransaction, Payment
    from settlement.models import Settlement, SettlementLine

    links = AuditEntry._meta.get_field("legal_entities").remote_field.through
    return [
        Voucher,
        LedgerEntry,
        Payment,
        OpenTransaction,
        Settlement,
        SettlementLine,
        Settlement.vouchers.through,
        DirectDebitPayment,
        AuditEntry,
        links,
    ]


def _max_ids() -> dict:
    return {
        m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
        for m in _written_models()
    }


def _snapshot(before: dict) -> dict:
    """Every row the run inserted, per model: (columns, rows)."""
    from django.db import connection

    taken = {}
    for model in _written_models():
        columns = [f.column for f in model._meta.concrete_fields]
        if model._meta.db_table == "ledger_voucher":
            columns = [c for c in columns if c != "created_txid"]
        with connection.cursor() as cursor:
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(
                f"SELECT {names} FROM {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608
                "WHERE id > %s ORDER BY id",
                [before[model]],
            )
            taken[model] = (columns, cursor.fetchall())
    return taken


def _undo(entity, before: dict) -> None:
    """Take the run back: its rows deleted (as replication, past the ledger's triggers), the
    debits open and the mandates unused again."""
    from django.db import connection, transaction

    from banking.models import DirectDebitMandate

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for model in reversed(_written_models()):
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608
                "WHERE id > %s",
                [before[model]],
            )
        cursor.execute(
            "UPDATE receivables_opentransaction SET open_amount = amount, "
            "open_accounting_amount = accounting_amount, closed_on = NULL "
            "WHERE legal_entity_id = %s AND kind = 'invoice'",
            [entity.pk],
        )
    DirectDebitMandate.objects.filter(legal_entity=entity).update(
        next_sequence_type="FRST", last_collection_date=None, status="active"
    )


def _floor(entity, taken: dict, collected_on) -> float:
    """The same rows in one transaction: debits locked, every table one INSERT, the debits'
    open amounts and the mandates one UPDATE each."""
    from django.db import connection, transaction

    from core import db

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM receivables_opentransaction WHERE legal_entity_id = %s "
            "AND kind = 'invoice' ORDER BY id FOR UPDATE",
            [entity.pk],
        )
        cursor.fetchall()
        for model, (columns, rows) in taken.items():
            for start in range(0, len(rows), 20000):
                db.insert_rows(model, columns, rows[start : start + 20000])
        cursor.execute(
            "UPDATE receivables_opentransaction SET open_amount = 0, "
            "open_accounting_amount = 0, closed_on = %s "
            "WHERE legal_entity_id = %s AND kind = 'invoice'",
            [collected_on, entity.pk],
        )
        cursor.execute(
            "UPDATE banking_directdebitmandate SET next_sequence_type = 'RCUR', "
            "last_collection_date = %s WHERE legal_entity_id = %s",
            [collected_on, entity.pk],
        )
    return time.perf_counter() - started


def _run(entity, account, count: int):
    """Seconds, the collection, the pain.008 build seconds and the resident memory growth."""
    from django.utils import timezone

    from banking.services.direct_debits import collection_start, next_business_day
    from banking.services.direct_debits.pain008 import Pain008Builder
    from core.jobs import job_run

    # The pain.008 is built as the run goes: each transaction added (sepaxml's element,
    # serialized), then the document assembled and validated.
    build = [0.0]
    originals = {name: getattr(Pain008Builder, name) for name in ("add", "build")}

    def timed(method):
        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                build[0] += time.perf_counter() - started

        return run

    for name, method in originals.items():
        setattr(Pain008Builder, name, timed(method))
    on = next_business_day(timezone.localdate())
    from banking.models import DirectDebitMandate

    ids = list(
        DirectDebitMandate.objects.filter(legal_entity=entity)
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    collection = collection_start(
        legal_entity=entity,
        bank_account=account,
        collection_date=on,
        due_until=on,
        mandates=ids if count < MANDATES else None,
        actor=None,
        enqueue=False,
    )
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
    job = job_run(job_id=collection.job_id)
    seconds = time.perf_counter() - started
    running.clear()
    sampler.join()
    for name, method in originals.items():
        setattr(Pain008Builder, name, method)
    assert job.state == "done", job.errors
    collection.refresh_from_db()
    return seconds, collection, build[0], max(0, peak[0] - start_rss)


def main() -> None:
    django_setup()
    reset_ledger()
    entity, account = _book(MANDATES)

    quarter = MANDATES // 4
    before = _max_ids()
    _, _, _, quarter_rss = _run(entity, account, quarter)
    _undo(entity, before)

    before = _max_ids()
    seconds, collection, build, rss = _run(entity, account, MANDATES)
    assert collection.count == MANDATES, collection.count
    taken = _snapshot(before)
    rows = sum(len(r) for _, r in taken.values())
    _undo(entity, before)
    floor = _floor(entity, taken, collection.collection_date)
    reset_ledger()

    rate, floor_rate = MANDATES / seconds, MANDATES / floor
    size = len(collection.file.encode()) / 2**20
    print(
        f"Direct debit collection run: {MANDATES:,} mandates, {MANDATES * DEBITS:,} debits, "
        f"one transaction, on PostgreSQL"
    )
    print(f"  {'floor: plain SQL, same rows':<40} {floor_rate:>8.0f} payments/s  ({rows:,} rows)")
    print(
        f"  {'collection run (job, preparation incl.)':<40} {rate:>8.0f} payments/s  "
        f"({rate / floor_rate:.0%} of the floor), {seconds:.1f} s"
    )
    print(
        f"  pain.008 (sepaxml, added per chunk, assembled and validated): {build:.2f} s "
        f"({build / seconds:.0%} of the run), {size:.1f} MiB"
    )
    print(
        f"  resident memory grew {rss / 2**20:.0f} MiB for {MANDATES:,} mandates, "
        f"{quarter_rss / 2**20:.0f} MiB for {quarter:,}"
    )


if __name__ == "__main__":
    main()
