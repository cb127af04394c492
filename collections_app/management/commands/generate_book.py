"""Generate a large receivables book for benchmarks: parties, customers in three legal entities
and open transactions, written with set-based SQL (minutes, not hours, for a million rows).

The open transactions share one balanced set-up voucher per legal entity: the book is for
measuring the collections page and aging, not the ledger.
"""

from datetime import date
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction


class Command(BaseCommand):
    help = "Generate parties, customers in three legal entities and open transactions (bench)."

    def add_arguments(self, parser):
        parser.add_argument("--parties", type=int, default=30_000)
        parser.add_argument("--customers", type=int, default=100_000)
        parser.add_argument("--transactions", type=int, default=1_000_000)
        parser.add_argument("--prefix", default="GB", help="Legal entities PREFIX1..PREFIX3")
        parser.add_argument("--as-of", default="2026-06-30", help="Due dates spread before it")

    def handle(self, *args, parties, customers, transactions, prefix, as_of, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The generator writes with PostgreSQL's generate_series.")
        if not 0 < parties <= customers:
            raise CommandError("Give at least one party and no more parties than customers.")
        from entities.models import Customer

        as_of_date = date.fromisoformat(as_of)
        codes = [f"{prefix}{n}" for n in (1, 2, 3)]
        if Customer.objects.filter(legal_entity__code=codes[0]).exists():
            self.stdout.write(f"A book with prefix {prefix} exists; nothing to do.")
            return
        entity_ids, vouchers = _entities_with_vouchers(codes, as_of_date)
        with transaction.atomic(), connection.cursor() as cursor:
            _parties_and_customers_insert(
                cursor, prefix=prefix, parties=parties, customers=customers, entity_ids=entity_ids
            )
            _open_transactions_insert(
                cursor,
                entity_ids=entity_ids,
                vouchers=vouchers,
                as_of_date=as_of_date,
                transactions=transactions,
                customers=customers,
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE receivables_opentransaction")
            cursor.execute("ANALYZE entities_customer")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {parties:,} parties, {customers:,} customers in "
                f"{', '.join(codes)} and {transactions:,} open transactions."
            )
        )


def _entities_with_vouchers(codes: list[str], as_of_date: date) -> tuple[list[int], list[int]]:
    """The three legal entities (created when missing) and, per entity, the balanced set-up
    voucher its generated open transactions point at."""
    from entities.models import LegalEntity
    from ledger.models import PostingType
    from ledger.services import VoucherInput, VoucherLineInput, legal_entity_create, voucher_post

    with transaction.atomic():
        entities = [
            LegalEntity.objects.filter(code=code).first()
            or legal_entity_create(
                code=code, name=f"Generated {code}", accounting_currency="USD", actor=None
            )
            for code in codes
        ]
        vouchers = [
            voucher_post(
                voucher=VoucherInput(
                    legal_entity=entity,
                    date=date(as_of_date.year, 1, 1),
                    description="Generated book",
                    lines=[
                        VoucherLineInput(PostingType.BANK, "USD", Decimal("1.00")),
                        VoucherLineInput(PostingType.REVENUE, "USD", Decimal("-1.00")),
                    ],
                ),
                actor=None,
            ).pk
            for entity in entities
        ]
    return [e.pk for e in entities], vouchers


def _parties_and_customers_insert(
    cursor, *, prefix: str, parties: int, customers: int, entity_ids: list[int]
) -> None:
    cursor.execute(
        "INSERT INTO entities_party (number, name, created_at) "
        "SELECT %s || lpad(i::text, 7, '0'), 'Generated party ' || i, now() "
        "FROM generate_series(1, %s) i",
        [prefix, parties],
    )
    cursor.execute(
        "CREATE TEMP TABLE gen_party ON COMMIT DROP AS SELECT id, "
        "row_number() OVER (ORDER BY id) AS rn FROM entities_party WHERE number LIKE %s",
        [f"{prefix}%"],
    )
    # Customer j: party ((j-1) mod P) + 1, legal entity ((j-1) div P) mod 3.
    cursor.execute(
        "INSERT INTO entities_customer (legal_entity_id, account, party_id, name, "
        "currency, credit_limit, blocked, language, created_at) "
        "SELECT (%s::bigint[])[((j - 1) / %s) %% 3 + 1], 'C' || lpad(j::text, 7, '0'), "
        "p.id, '', 'USD', CASE WHEN j %% 4 = 0 THEN 25000 END, false, '', now() "
        "FROM generate_series(1, %s) j JOIN gen_party p ON p.rn = ((j - 1) %% %s) + 1",
        [entity_ids, parties, customers, parties],
    )


def _open_transactions_insert(
    cursor,
    *,
    entity_ids: list[int],
    vouchers: list[int],
    as_of_date: date,
    transactions: int,
    customers: int,
) -> None:
    cursor.execute(
        "CREATE TEMP TABLE gen_customer ON COMMIT DROP AS SELECT c.id, c.legal_entity_id, "
        "c.party_id, row_number() OVER (ORDER BY c.id) AS rn, "
        "(%s::bigint[])[array_position(%s::bigint[], c.legal_entity_id)] AS voucher_id "
        "FROM entities_customer c WHERE c.legal_entity_id = ANY(%s::bigint[])",
        [vouchers, entity_ids, entity_ids],
    )
    cursor.execute("CREATE INDEX ON gen_customer (rn)")
    # Transaction i: customer ((i-1) mod C) + 1; every tenth a payment (a credit);
    # due dates spread over the 240 days before the as-of date and 30 after.
    cursor.execute(
        "INSERT INTO receivables_opentransaction (legal_entity_id, customer_id, party_id, "
        "kind, voucher_id, document_number, date, due_date, currency, rate, amount, "
        "open_amount, accounting_amount, open_accounting_amount, amount_before_tax, "
        "disputed, created_at) "
        "SELECT c.legal_entity_id, c.id, c.party_id, "
        "CASE WHEN i %% 10 = 0 THEN 'payment' ELSE 'invoice' END, c.voucher_id, "
        "'G' || i, d - 30, d, 'USD', 1, a, a, a, a, a, false, now() "
        "FROM (SELECT i, %s::date - (i::bigint * 7919 %% 270 - 30)::int AS d, "
        "(CASE WHEN i %% 10 = 0 THEN -1 ELSE 1 END) "
        "* ((i::bigint * 31 %% 500000) / 100.0 + 10) AS a "
        "FROM generate_series(1, %s) i) g "
        "JOIN gen_customer c ON c.rn = ((g.i - 1) %% %s) + 1",
        [as_of_date, transactions, customers],
    )
