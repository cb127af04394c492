"""Posting throughput of the ledger's one posting service, beside the SQL floor.

Writes the same vouchers (two lines each, EUR converted to USD) three ways, on PostgreSQL with the
balance trigger on:
  1. the service, one transaction per voucher (how single documents are posted);
  2. the service, all vouchers in one call and one transaction (how bulk journals are posted);
  3. the floors: the same rows in plain SQL, no validation: one transaction per voucher (sequence
     update, voucher INSERT, two-line INSERT), and all in one transaction (multi-row INSERTs).
Prints vouchers per second for each and each service way's share of its floor.
"""

import os
import time
from datetime import date
from decimal import Decimal

from _setup import django_setup, reset_ledger

N = int(os.environ.get("BENCH_VOUCHERS", "2000"))
ON = date(2026, 3, 2)


def main() -> None:
    django_setup()
    from django.db import connection, transaction

    from entities.models import ExchangeRate, LegalEntity
    from ledger.models import MainAccount
    from ledger.services import VoucherInput, VoucherLineInput, legal_entity_create, vouchers_post

    entity = LegalEntity.objects.filter(code="BENCH").first() or legal_entity_create(
        code="BENCH", name="Bench", accounting_currency="USD", actor=None
    )
    ExchangeRate.objects.get_or_create(
        from_currency="EUR",
        to_currency="USD",
        valid_from=date(2026, 1, 1),
        defaults={"rate": Decimal("1.2062")},
    )

    def spec(i: int) -> VoucherInput:
        amount = Decimal(100 + i % 997) + Decimal("0.37")
        return VoucherInput(
            legal_entity=entity,
            date=ON,
            description=f"Payment {i}",
            lines=[
                VoucherLineInput(posting_type="bank", currency="EUR", amount=amount),
                VoucherLineInput(posting_type="customer_balance", currency="EUR", amount=-amount),
            ],
        )

    results = {}

    reset_ledger()
    started = time.perf_counter()
    for i in range(N):
        with transaction.atomic():
            vouchers_post(vouchers=[spec(i)], actor=None)
    results["service, one transaction per voucher"] = N / (time.perf_counter() - started)

    reset_ledger()
    specs = [spec(i) for i in range(N)]
    started = time.perf_counter()
    with transaction.atomic():
        vouchers_post(vouchers=specs, actor=None)
    results["service, one call for all vouchers"] = N / (time.perf_counter() - started)

    reset_ledger()
    bank = MainAccount.objects.get(legal_entity=entity, number="110100").pk
    receivable = MainAccount.objects.get(legal_entity=entity, number="130100").pk
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_numbersequence SET next_value = next_value + %s "
            "WHERE legal_entity_id = %s AND name = 'voucher' RETURNING next_value",
            [N, entity.pk],
        )
        first = cursor.fetchone()[0] - N
        rows = []
        for i in range(N):
            rows += [entity.pk, f"BENCH-V{first + i:08d}", ON, f"Payment {i}"]
        cursor.execute(
            "INSERT INTO ledger_voucher (legal_entity_id, number, date, description, created_at) "
            "VALUES " + ", ".join(["(%s, %s, %s, %s, now())"] * N) + " RETURNING id",
            rows,
        )
        ids = [r[0] for r in cursor.fetchall()]
        lines = []
        for i, voucher_id in enumerate(ids):
            amount = Decimal(100 + i % 997) + Decimal("0.37")
            accounting = (amount * Decimal("1.2062")).quantize(Decimal("0.01"))
            lines += [voucher_id, entity.pk, ON, bank, "bank", "EUR", amount, accounting]
            lines += [
                voucher_id,
                entity.pk,
                ON,
                receivable,
                "customer_balance",
                "EUR",
                -amount,
                -accounting,
            ]
        cursor.execute(
            "INSERT INTO ledger_ledgerentry (voucher_id, legal_entity_id, date, account_id, "
            "posting_type, currency, amount, accounting_amount, description) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, '')"] * (2 * N)),
            lines,
        )
    floor = N / (time.perf_counter() - started)

    reset_ledger()
    started = time.perf_counter()
    for i in range(N):
        amount = Decimal(100 + i % 997) + Decimal("0.37")
        accounting = (amount * Decimal("1.2062")).quantize(Decimal("0.01"))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_numbersequence SET next_value = next_value + 1 "
                "WHERE legal_entity_id = %s AND name = 'voucher' RETURNING next_value",
                [entity.pk],
            )
            number = cursor.fetchone()[0] - 1
            cursor.execute(
                "INSERT INTO ledger_voucher (legal_entity_id, number, date, description, "
                "created_at) VALUES (%s, %s, %s, %s, now()) RETURNING id",
                [entity.pk, f"BENCH-V{number:08d}", ON, f"Payment {i}"],
            )
            voucher_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO ledger_ledgerentry (voucher_id, legal_entity_id, date, account_id, "
                "posting_type, currency, amount, accounting_amount, description) VALUES "
                "(%s, %s, %s, %s, 'bank', 'EUR', %s, %s, ''), "
                "(%s, %s, %s, %s, 'customer_balance', 'EUR', %s, %s, '')",
                [
                    voucher_id,
                    entity.pk,
                    ON,
                    bank,
                    amount,
                    accounting,
                    voucher_id,
                    entity.pk,
                    ON,
                    receivable,
                    -amount,
                    -accounting,
                ],
            )
    single_floor = N / (time.perf_counter() - started)
    reset_ledger()

    print(f"Posting {N} two-line vouchers on PostgreSQL (balance trigger on)")
    print(
        f"  {'floor: plain SQL, one transaction per voucher':<48} {single_floor:>8.0f} vouchers/s"
    )
    print(f"  {'floor: plain SQL, all in one transaction':<48} {floor:>8.0f} vouchers/s")
    one = results["service, one transaction per voucher"]
    print(
        f"  {'service, one transaction per voucher':<48} {one:>8.0f} vouchers/s"
        f"  ({one / single_floor:.0%} of its floor)"
    )
    batch = results["service, one call for all vouchers"]
    print(
        f"  {'service, one call for all vouchers':<48} {batch:>8.0f} vouchers/s"
        f"  ({batch / floor:.0%} of its floor)"
    )


if __name__ == "__main__":
    main()
