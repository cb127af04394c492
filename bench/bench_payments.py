"""Posting customer payments in bulk: the service and the bulk API, beside the SQL floor.

10,000 EUR payments (converted to USD) for 200 customers, in calls of 1,000, on PostgreSQL:
  1. ``receivables.services.payments_post`` (validation, numbers, vouchers, open transactions,
     audit rows);
  2. ``POST /api/v1/payments/bulk/`` through the whole Django stack in-process (JSON parsing,
     token authentication, serializers), same batches;
  3. the floor: the same rows (payments, vouchers, ledger lines, open transactions, sequence
     updates) written with plain multi-row INSERTs, one transaction per 1,000, no checks.
Prints payments per second and each way's share of the floor (target: the service ≥ 30 %).
"""

import os
import time
from datetime import date
from decimal import Decimal

from _setup import django_setup, reset_ledger

TOTAL = int(os.environ.get("BENCH_PAYMENTS", "10000"))
BATCH = 1000
ON = date(2026, 3, 9)
RATE = Decimal("1.2277")


def amount_of(i: int) -> Decimal:
    return Decimal(50 + i % 4000) + Decimal("0.25")


def main() -> None:
    django_setup()
    from django.db import connection, transaction
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from entities.models import Customer, ExchangeRate, LegalEntity, Party
    from ledger.models import MainAccount
    from ledger.services import legal_entity_create
    from receivables.services import PaymentInput, payments_post

    entity = LegalEntity.objects.filter(code="BENCHP").first() or legal_entity_create(
        code="BENCHP", name="Bench payments", accounting_currency="USD", actor=None
    )
    ExchangeRate.objects.get_or_create(
        from_currency="EUR",
        to_currency="USD",
        valid_from=date(2026, 3, 1),
        defaults={"rate": RATE},
    )
    customers = []
    for n in range(200):
        party, _ = Party.objects.get_or_create(number=f"BP{n:04d}", defaults={"name": f"P {n}"})
        customer, _ = Customer.objects.get_or_create(
            legal_entity=entity, account=f"C{n:04d}", defaults={"party": party, "currency": "EUR"}
        )
        customers.append(customer)

    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    token, _ = Token.objects.get_or_create(user=user)

    results = {}

    reset_ledger()
    started = time.perf_counter()
    for start in range(0, TOTAL, BATCH):
        inputs = [
            PaymentInput(
                legal_entity=entity,
                customer=customers[i % 200],
                date=ON,
                amount=amount_of(i),
                currency="EUR",
                reference=f"R{i}",
            )
            for i in range(start, min(start + BATCH, TOTAL))
        ]
        payments_post(inputs=inputs, actor=user, errors_by_index=True)
    results["service payments_post"] = TOTAL / (time.perf_counter() - started)

    reset_ledger()
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    import json

    started = time.perf_counter()
    for start in range(0, TOTAL, BATCH):
        body = {
            "payments": [
                {
                    "legal_entity": "BENCHP",
                    "customer": f"C{i % 200:04d}",
                    "date": ON.isoformat(),
                    "amount": str(amount_of(i)),
                    "currency": "EUR",
                    "reference": f"R{i}",
                }
                for i in range(start, min(start + BATCH, TOTAL))
            ]
        }
        response = client.post(
            "/api/v1/payments/bulk/", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 201, response.content[:500]
    results["bulk API /payments/bulk/"] = TOTAL / (time.perf_counter() - started)

    reset_ledger()
    bank = MainAccount.objects.get(legal_entity=entity, number="110100").pk
    receivable = MainAccount.objects.get(legal_entity=entity, number="130100").pk
    started = time.perf_counter()
    for start in range(0, TOTAL, BATCH):
        rows = list(range(start, min(start + BATCH, TOTAL)))
        n = len(rows)
        with transaction.atomic(), connection.cursor() as cursor:
            numbers = []
            for name in ("payment", "voucher"):
                cursor.execute(
                    "UPDATE ledger_numbersequence SET next_value = next_value + %s "
                    "WHERE legal_entity_id = %s AND name = %s RETURNING next_value",
                    [n, entity.pk, name],
                )
                numbers.append(cursor.fetchone()[0] - n)
            first_payment, first_voucher = numbers
            params = []
            for k in range(n):
                params += [
                    entity.pk,
                    f"BENCHP-V{first_voucher + k:08d}",
                    ON,
                    f"payment:BENCHP-PAY{first_payment + k:08d}",
                ]
            cursor.execute(
                "INSERT INTO ledger_voucher (legal_entity_id, number, date, description, "
                "source_key, created_at) VALUES "
                + ", ".join(["(%s, %s, %s, 'Payment', %s, now())"] * n)
                + " RETURNING id",
                params,
            )
            vouchers = [r[0] for r in cursor.fetchall()]
            params = []
            for k, i in enumerate(rows):
                amount = amount_of(i)
                accounting = (amount * RATE).quantize(Decimal("0.01"))
                params += [
                    vouchers[k],
                    entity.pk,
                    ON,
                    bank,
                    "bank",
                    None,
                    "EUR",
                    amount,
                    accounting,
                ]
                params += [
                    vouchers[k],
                    entity.pk,
                    ON,
                    receivable,
                    "customer_balance",
                    customers[i % 200].pk,
                    "EUR",
                    -amount,
                    -accounting,
                ]
            cursor.execute(
                "INSERT INTO ledger_ledgerentry (voucher_id, legal_entity_id, date, account_id, "
                "posting_type, customer_id, currency, amount, accounting_amount, description) "
                "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, '')"] * (2 * n)),
                params,
            )
            params = []
            for k, i in enumerate(rows):
                params += [
                    entity.pk,
                    customers[i % 200].pk,
                    f"BENCHP-PAY{first_payment + k:08d}",
                    ON,
                    amount_of(i),
                    "EUR",
                    f"R{i}",
                    vouchers[k],
                ]
            cursor.execute(
                "INSERT INTO receivables_payment (legal_entity_id, customer_id, number, date, "
                "amount, currency, method, reference, bank_account, status, voucher_id, "
                "created_at, posted_at) VALUES "
                + ", ".join(
                    ["(%s, %s, %s, %s, %s, %s, 'electronic', %s, '', 'posted', %s, now(), now())"]
                    * n
                )
                + " RETURNING id",
                params,
            )
            payments = [r[0] for r in cursor.fetchall()]
            params = []
            for k, i in enumerate(rows):
                amount = amount_of(i)
                accounting = (amount * RATE).quantize(Decimal("0.01"))
                customer = customers[i % 200]
                params += [
                    entity.pk,
                    customer.pk,
                    customer.party_id,
                    payments[k],
                    vouchers[k],
                    f"BENCHP-PAY{first_payment + k:08d}",
                    ON,
                    ON,
                    RATE,
                    -amount,
                    -amount,
                    -accounting,
                    -accounting,
                    -amount,
                ]
            cursor.execute(
                "INSERT INTO receivables_opentransaction (legal_entity_id, customer_id, "
                "party_id, kind, payment_id, voucher_id, document_number, date, due_date, "
                "currency, rate, amount, open_amount, accounting_amount, "
                "open_accounting_amount, amount_before_tax, created_at) VALUES "
                + ", ".join(
                    [
                        "(%s, %s, %s, 'payment', %s, %s, %s, %s, %s, 'EUR', %s, %s, %s, "
                        "%s, %s, %s, now())"
                    ]
                    * n
                ),
                params,
            )
    floor = TOTAL / (time.perf_counter() - started)
    reset_ledger()

    print(f"Posting {TOTAL} EUR payments in calls of {BATCH} on PostgreSQL")
    print(f"  {'floor: plain SQL, same rows':<36} {floor:>8.0f} payments/s")
    for name, rate in results.items():
        print(f"  {name:<36} {rate:>8.0f} payments/s  ({rate / floor:.0%} of the floor)")


if __name__ == "__main__":
    main()
