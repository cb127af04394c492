"""Settlement throughput: A4-shaped settlements (two entities, EUR, sales tax, cash discount,
realized FX gain) through ``settlement_create``, beside the SQL floor, with 1 and 4 workers;
and one payment settling 1,000 invoices across 3 entities.

The floor writes what each settlement must at least write, in plain SQL in one transaction:
lock the two open items, update them, advance two voucher sequences, insert two vouchers and
their six lines (the balance trigger checks them at commit).
"""

import os
import sys
import time
from datetime import date
from decimal import Decimal
from multiprocessing import get_context

from _setup import django_setup

PAIRS = int(os.environ.get("BENCH_SETTLEMENTS", "400"))
MANY = int(os.environ.get("BENCH_MANY_INVOICES", "1000"))
MAR2, MAR9 = date(2026, 3, 2), date(2026, 3, 9)


def setup_group():
    from entities.models import Customer, ExchangeRate, LegalEntity, Party
    from ledger.services import legal_entity_create
    from receivables.models import CashDiscount, CashDiscountPeriod, PaymentTerms, SalesTaxCode

    entities = {}
    for code in ("SB1", "SB2", "SB3"):
        entities[code] = LegalEntity.objects.filter(code=code).first() or legal_entity_create(
            code=code, name=f"Bench {code}", accounting_currency="USD", actor=None
        )
    for valid_from, rate in ((MAR2, "1.2062"), (MAR9, "1.2277")):
        ExchangeRate.objects.get_or_create(
            from_currency="EUR",
            to_currency="USD",
            valid_from=valid_from,
            defaults={"rate": Decimal(rate)},
        )
    terms, _ = PaymentTerms.objects.get_or_create(code="N30", defaults={"net_days": 30})
    discount, made = CashDiscount.objects.get_or_create(code="2P10")
    if made:
        CashDiscountPeriod.objects.create(cash_discount=discount, days=10, percent=2)
    tax, _ = SalesTaxCode.objects.get_or_create(code="VAT6", defaults={"percent": Decimal("6.37")})
    party, _ = Party.objects.get_or_create(number="SB4050", defaults={"name": "Bench party"})
    customers = {
        code: Customer.objects.get_or_create(
            legal_entity=entity,
            account="4000",
            defaults={"party": party, "currency": "EUR", "payment_terms": terms},
        )[0]
        for code, entity in entities.items()
    }
    return entities, customers, terms, discount, tax


def post_pairs(count, customers, terms, discount, tax):
    from receivables.services import (
        DocumentInput,
        DocumentLineInput,
        PaymentInput,
        invoice_create,
        invoice_post,
        payments_post,
    )

    invoices = []
    for _ in range(count):
        invoice = invoice_create(
            data=DocumentInput(
                legal_entity=customers["SB2"].legal_entity,
                customer=customers["SB2"],
                date=MAR2,
                currency="EUR",
                payment_terms=terms,
                cash_discount=discount,
                lines=[DocumentLineInput("Services", Decimal("600.00"), sales_tax_code=tax)],
            ),
            actor=None,
        )
        invoices.append(invoice_post(invoice=invoice, actor=None).open_transaction.pk)
    payments = []
    for start in range(0, count, 1000):
        batch = payments_post(
            inputs=[
                PaymentInput(
                    legal_entity=customers["SB1"].legal_entity,
                    customer=customers["SB1"],
                    date=MAR9,
                    amount=Decimal("626.22"),
                    currency="EUR",
                )
                for _ in range(min(1000, count - start))
            ],
            actor=None,
            errors_by_index=True,
        )
        payments += [p.open_transaction.pk for p in batch]
    return list(zip(payments, invoices, strict=True))


def settle_pairs(pairs):
    from django.db import connection

    from settlement.services import SettlementLineInput, settlement_create

    for payment, invoice in pairs:
        settlement_create(
            lines=[SettlementLineInput(payment), SettlementLineInput(invoice)],
            on=MAR9,
            primary=None,
            actor=None,
        )
    connection.close()


def _worker(pairs):
    django_setup(migrate=False)
    started = time.perf_counter()
    settle_pairs(pairs)
    return time.perf_counter() - started


def floor_pairs(pairs, entities, *, prepared=False):
    """The floor; ``prepared``: through the cursor of the posting and settlement services, whose
    statements PostgreSQL keeps prepared (for comparison only: the floor itself sends plain
    SQL as a client would)."""
    from django.db import connection, transaction

    from core import db
    from ledger.models import MainAccount

    def account(code, number):
        return MainAccount.objects.get(legal_entity=entities[code], number=number).pk

    a = {
        "ar1": account("SB1", "130100"),
        "due_to": account("SB1", "245000-SB2"),
        "gain": account("SB1", "711000"),
        "ar2": account("SB2", "130100"),
        "due_from": account("SB2", "145000-SB1"),
        "disc": account("SB2", "520000"),
    }
    e1, e2 = entities["SB1"].pk, entities["SB2"].pk
    for payment, invoice in pairs:
        with transaction.atomic(), db.cursor() if prepared else connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM receivables_opentransaction WHERE id IN (%s, %s) "
                "ORDER BY id FOR UPDATE",
                [payment, invoice],
            )
            cursor.execute(
                "UPDATE receivables_opentransaction SET open_amount = 0, "
                "open_accounting_amount = 0, closed_on = %s WHERE id IN (%s, %s)",
                [MAR9, payment, invoice],
            )
            ids = []
            for entity in (e1, e2):
                cursor.execute(
                    "UPDATE ledger_numbersequence SET next_value = next_value + 1 "
                    "WHERE legal_entity_id = %s AND name = 'voucher' RETURNING next_value",
                    [entity],
                )
                number = cursor.fetchone()[0] - 1
                cursor.execute(
                    "INSERT INTO ledger_voucher (legal_entity_id, number, date, description, "
                    "created_at) VALUES (%s, %s, %s, 'Settlement', now()) RETURNING id",
                    [entity, f"F{entity}-{number:08d}", MAR9],
                )
                ids.append(cursor.fetchone()[0])
            rows = [
                (ids[0], e1, a["ar1"], "customer_balance", None, "626.22", "768.81"),
                (ids[0], e1, a["due_to"], "intercompany_due_to", e2, "-626.22", "-755.35"),
                (ids[0], e1, a["gain"], "fx_realized_gain", None, "0", "-13.46"),
                (ids[1], e2, a["due_from"], "intercompany_due_from", e1, "626.22", "755.35"),
                (ids[1], e2, a["ar2"], "customer_balance", None, "-638.22", "-769.82"),
                (ids[1], e2, a["disc"], "cash_discount", None, "12.00", "14.47"),
            ]
            params = []
            for voucher, entity, acct, kind, counterparty, amount, accounting in rows:
                params += [
                    voucher,
                    entity,
                    MAR9,
                    acct,
                    kind,
                    counterparty,
                    "EUR",
                    amount,
                    accounting,
                ]
            cursor.execute(
                "INSERT INTO ledger_ledgerentry (voucher_id, legal_entity_id, date, account_id, "
                "posting_type, counterparty_id, currency, amount, accounting_amount, "
                "description) VALUES " + ", ".join(["(%s,%s,%s,%s,%s,%s,%s,%s,%s,'')"] * 6),
                params,
            )


def main() -> None:
    django_setup()
    from _setup import reset_ledger
    from django.db import connection

    reset_ledger()
    entities, customers, terms, discount, tax = setup_group()
    print(f"Setting up {4 * PAIRS} A4-shaped pairs …", file=sys.stderr)
    floor_set = post_pairs(PAIRS, customers, terms, discount, tax)
    prepared_set = post_pairs(PAIRS, customers, terms, discount, tax)
    one_set = post_pairs(PAIRS, customers, terms, discount, tax)
    four_set = post_pairs(PAIRS, customers, terms, discount, tax)

    started = time.perf_counter()
    floor_pairs(floor_set, entities)
    floor = PAIRS / (time.perf_counter() - started)

    started = time.perf_counter()
    floor_pairs(prepared_set, entities, prepared=True)
    floor_prepared = PAIRS / (time.perf_counter() - started)

    started = time.perf_counter()
    settle_pairs(one_set)
    one = PAIRS / (time.perf_counter() - started)

    connection.close()
    chunks = [four_set[i::4] for i in range(4)]
    started = time.perf_counter()
    with get_context("fork").Pool(4) as pool:
        pool.map(_worker, chunks)
    four = PAIRS / (time.perf_counter() - started)

    print(f"A4-shaped settlements on PostgreSQL ({PAIRS} each way)")
    print(f"  {'floor: plain SQL, one transaction each':<44} {floor:>8.0f} settlements/s")
    print(
        f"  {'  the same, statements prepared':<44} {floor_prepared:>8.0f} settlements/s"
        "  (for comparison)"
    )
    print(
        f"  {'settlement_create, 1 worker':<44} {one:>8.0f} settlements/s"
        f"  ({one / floor:.0%} of the floor, {one / floor_prepared:.0%} of the prepared floor)"
    )
    print(
        f"  {'settlement_create, 4 workers':<44} {four:>8.0f} settlements/s"
        f"  ({four / one:.2f}× one worker)"
    )

    from receivables.models import OpenTransaction
    from receivables.services import (
        DocumentInput,
        DocumentLineInput,
        PaymentInput,
        invoice_create,
        invoice_post,
        payments_post,
    )
    from settlement.services import SettlementLineInput, settlement_create

    invoices = []
    codes = ("SB1", "SB2", "SB3")
    for i in range(MANY):
        customer = customers[codes[i % 3]]
        invoice = invoice_create(
            data=DocumentInput(
                legal_entity=customer.legal_entity,
                customer=customer,
                date=MAR9,
                currency="EUR",
                lines=[DocumentLineInput("Services", Decimal("10.00"))],
            ),
            actor=None,
        )
        invoices.append(invoice_post(invoice=invoice, actor=None).open_transaction.pk)
    (payment,) = payments_post(
        inputs=[
            PaymentInput(
                legal_entity=customers["SB1"].legal_entity,
                customer=customers["SB1"],
                date=MAR9,
                amount=Decimal(10 * MANY),
                currency="EUR",
            )
        ],
        actor=None,
    )
    lines = [SettlementLineInput(payment.open_transaction.pk)] + [
        SettlementLineInput(pk) for pk in invoices
    ]
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        settlement_create(lines=lines, on=MAR9, primary=None, actor=None)
    elapsed = time.perf_counter() - started
    assert not OpenTransaction.objects.filter(pk__in=invoices).exclude(open_amount=0).exists()
    print(
        f"One payment settling {MANY} invoices across 3 entities: {elapsed:.3f} s, "
        f"{len(queries)} queries (budget: under 1 s)"
    )
    reset_ledger()


if __name__ == "__main__":
    main()
