"""What ``bench_banking.py`` works on: the generated book (``manage.py generate_book``, 1,000,000
open transactions in GB1..GB3), the parties' IBANs, a bank account of GB1 and camt.053
statements paying the book's open invoices with a known true target per line."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

PREFIX = "GB"  # generate_book's default legal entities GB1..GB3
AS_OF = date(2026, 6, 30)  # generate_book's default as-of date: the statements' date
BANK_IBAN = "GB33BUKB20201555555555"
IBAN_BANK = "BNCH"  # the parties' IBANs: GBkk BNCH + the party id on 14 digits
UNKNOWN_BANK = "UNKN"  # IBANs nobody in the book pays from
DISCOUNT_DAYS = 5  # a discounted invoice's period runs until the statement date + 5 days

# The statement's mix; the shares add up to 1.
CATEGORIES = {
    "reference": 0.35,  # a document number in the remittance text
    "rf": 0.10,  # an ISO 11649 RF reference (structured) built from the document number
    "iban": 0.25,  # the party's known IBAN and one open invoice's amount, nothing else named
    "name": 0.10,  # the party's name and one open invoice's amount: no IBAN, no reference
    "multi": 0.10,  # two or three invoices of one party named in the text, paid together
    "discount": 0.08,  # an invoice named in the text, paid less its 2 % cash discount
    "unknown": 0.02,  # a payer the book does not know: must stay unmatched
}
_TEXTS = ("Invoice {}", "INV {} thank you", "{}", "Payment {} customer ref. 2026-05")


def _iban(bank: str, number: int) -> str:
    """A GB IBAN with valid check digits (mod 97) for ``bank`` and account ``number``."""
    bban = f"{bank}{number:014d}"
    digits = "".join(str(int(ch, 36)) for ch in bban + "GB00")
    return f"GB{98 - int(digits) % 97:02d}{bban}"


def book_ensure(stdout) -> list[int]:
    """The book (generated when missing, its open transactions written again when another
    bench emptied them); its legal entities' ids."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from collections_app.management.commands import generate_book
    from entities.models import LegalEntity
    from receivables.models import OpenTransaction

    call_command("generate_book", stdout=stdout)
    entities = list(LegalEntity.objects.filter(code__in=[f"{PREFIX}{n}" for n in (1, 2, 3)]))
    ids = sorted(e.pk for e in entities)
    if not OpenTransaction.objects.filter(legal_entity_id__in=ids).exists():
        # ``reset_ledger`` of another bench emptied the open items, not the customers.
        entity_ids, vouchers = generate_book._entities_with_vouchers(
            [e.code for e in sorted(entities, key=lambda e: e.code)], AS_OF
        )
        with transaction.atomic(), connection.cursor() as cursor:
            generate_book._open_transactions_insert(
                cursor,
                entity_ids=entity_ids,
                vouchers=vouchers,
                as_of_date=AS_OF,
                transactions=1_000_000,
                customers=100_000,
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE receivables_opentransaction")
    _untwin(ids)
    return ids


def _untwin(entity_ids: list[int]) -> None:
    """The generator gives transactions i and i + 500,000 the same customer and the same
    amount: every invoice has a twin, and an amount could never tell one from the other. The
    second of each pair is moved up by one cent, once."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.amount = b.amount FROM receivables_opentransaction a "
            "JOIN receivables_opentransaction b ON b.document_number = 'G500001' "
            "AND b.legal_entity_id = ANY(%s) "
            "WHERE a.document_number = 'G1' AND a.legal_entity_id = ANY(%s)",
            [entity_ids, entity_ids],
        )
        row = cursor.fetchone()
        if row is None or not row[0]:
            return
        cursor.execute(
            "UPDATE receivables_opentransaction SET amount = amount + 0.01, "
            "open_amount = open_amount + 0.01, accounting_amount = accounting_amount + 0.01, "
            "open_accounting_amount = open_accounting_amount + 0.01, "
            "amount_before_tax = amount_before_tax + 0.01 "
            "WHERE legal_entity_id = ANY(%s) AND kind = 'invoice' AND open_amount = amount "
            "AND document_number ~ '^G[0-9]+$' AND substr(document_number, 2)::bigint > 500000",
            [entity_ids],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE receivables_opentransaction")


def party_ibans_ensure() -> int:
    """Every second party of the book pays from an IBAN the book knows (one set-based
    INSERT, once); how many parties have one."""
    from django.db import connection

    bank_digits = "".join(str(int(ch, 36)) for ch in IBAN_BANK)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO entities_partybankaccount (party_id, iban, bic, name) "
            "SELECT p.id, 'GB' || lpad((98 - ((%s || lpad(p.id::text, 14, '0') || '161100')"
            "::numeric %% 97))::text, 2, '0') || %s || lpad(p.id::text, 14, '0'), '', p.name "
            "FROM entities_party p WHERE p.number LIKE %s AND p.id %% 2 = 0 "
            "AND NOT EXISTS (SELECT 1 FROM entities_partybankaccount b WHERE b.party_id = p.id)",
            [bank_digits, IBAN_BANK, f"{PREFIX}%"],
        )
        cursor.execute(
            "SELECT count(*) FROM entities_partybankaccount WHERE iban LIKE %s",
            [f"GB__{IBAN_BANK}%"],
        )
        return cursor.fetchone()[0]


def bank_account_ensure():
    """GB1's USD bank account (the book is in USD), its bank postings to main account 110200."""
    from banking.models import BankAccount
    from entities.models import LegalEntity
    from ledger.models import MainAccount

    entity = LegalEntity.objects.get(code=f"{PREFIX}1")
    main, _ = MainAccount.objects.get_or_create(
        legal_entity=entity,
        number="110200",
        defaults={"name": "Bank USD (bench)", "kind": MainAccount.Kind.ASSET},
    )
    account, _ = BankAccount.objects.get_or_create(
        iban=BANK_IBAN,
        defaults={
            "legal_entity": entity,
            "code": "BENCH-USD",
            "name": "Bench bank USD",
            "currency": "USD",
            "main_account": main,
        },
    )
    return account


@dataclass
class Statement:
    """A generated statement: its entries (for ``camt_write.camt053``), and per line (in
    order) its category and the set of open transactions it truly pays."""

    statement_id: str
    entries: list[dict] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    truths: list[frozenset[int]] = field(default_factory=list)


def _open_invoices_of_parties(cursor, entity_ids, count: int, seed: int) -> dict[int, list]:
    """``count`` random parties of the book with at least three open invoices untouched, each
    with those invoices (id, document number, amount), oldest first."""
    cursor.execute(
        "SELECT id FROM entities_party WHERE number LIKE %s ORDER BY md5(id::text || %s)",
        [f"{PREFIX}%", str(seed)],
    )
    parties = [r[0] for r in cursor.fetchall()][: count + count // 2]
    cursor.execute(
        "SELECT ot.party_id, ot.id, ot.document_number, ot.open_amount "
        "FROM receivables_opentransaction ot WHERE ot.party_id = ANY(%s) "
        "AND ot.legal_entity_id = ANY(%s) AND ot.kind = 'invoice' AND ot.open_amount <> 0 "
        "AND ot.open_amount = ot.amount AND NOT EXISTS (SELECT 1 FROM "
        "receivables_opentransactiondiscount d WHERE d.open_transaction_id = ot.id) "
        "ORDER BY ot.party_id, ot.due_date, ot.id",
        [parties, entity_ids],
    )
    found: dict[int, list] = {}
    for party, *row in cursor.fetchall():
        found.setdefault(party, []).append(row)
    return {p: rows for p, rows in found.items() if len(rows) >= 3}


def statement_generate(
    *, lines: int, seed: int, statement_id: str, categories: dict[str, float] = CATEGORIES
) -> Statement:
    """A statement of ``lines`` credit lines paying open invoices of the book (each line a
    different party while there are enough), in the shares of ``categories``, shuffled. The
    invoices a discount line pays get a 2 % cash discount schedule (written here)."""
    from django.db import connection

    from core.bank_codes import rf_reference_make
    from core.money import quantize
    from entities.models import LegalEntity, Party

    rng = random.Random(seed)
    entity_ids = list(
        LegalEntity.objects.filter(code__startswith=PREFIX).values_list("id", flat=True)
    )
    plan = [c for c, share in categories.items() for _ in range(round(lines * share))]
    plan = (plan + ["reference"] * lines)[:lines]
    rng.shuffle(plan)
    with connection.cursor() as cursor:
        invoices = _open_invoices_of_parties(cursor, entity_ids, lines, seed)
    names = dict(Party.objects.filter(pk__in=list(invoices)).values_list("id", "name"))
    with_iban = [p for p in invoices if p % 2 == 0]
    without = [p for p in invoices if p % 2 == 1]
    statement = Statement(statement_id)
    discounted = []
    for n, category in enumerate(plan, start=1):
        pool = with_iban if category == "iban" or (rng.random() < 0.5 and with_iban) else without
        pool = pool or with_iban or without
        party = pool.pop()
        rows = invoices[party]
        known_iban = _iban(IBAN_BANK, party) if party % 2 == 0 else ""
        unknown_iban = _iban(UNKNOWN_BANK, seed * 1_000_000 + n)
        name = names[party] if rng.random() < 0.5 else names[party].upper()
        entry = {"ref": f"{statement_id}-{n}", "booking_date": AS_OF, "value_date": AS_OF}
        paid = rows[: rng.choice((2, 3))] if category == "multi" else [rng.choice(rows)]
        ids = frozenset(r[0] for r in paid)
        numbers = [r[1] for r in paid]
        amount = sum((r[2] for r in paid), Decimal("0"))
        entry.update(name=name, iban=known_iban or unknown_iban)
        if category in ("reference", "discount"):
            entry["text"] = rng.choice(_TEXTS).format(numbers[0])
        elif category == "rf":
            entry["reference"] = rf_reference_make(numbers[0])
        elif category == "multi":
            entry["text"] = "Invoices " + rng.choice((" ", ", ", "/")).join(numbers)
        elif category == "iban":
            entry["text"] = rng.choice(("Payment", "", "Thank you"))
        elif category == "name":
            del entry["iban"]
            entry["text"] = rng.choice(("Payment", "", "Transfer"))
        elif category == "unknown":
            entry.update(name=f"Unknown payer {seed}-{n}", text=f"Order {7000 + n}")
            amount = Decimal(rng.randrange(1000, 500000)) / 100
            ids = frozenset()
        if category == "discount":
            # As the discount module computes it (2 % of the open amount, half up).
            discount = quantize(amount * 2 / 100, "USD")
            discounted.append((paid[0][0], discount))
            amount -= discount
        entry["amount"] = f"{amount:.2f}"
        statement.entries.append(entry)
        statement.categories.append(category)
        statement.truths.append(ids)
    _discounts_write(discounted)
    return statement


def _discounts_write(discounted: list[tuple[int, Decimal]]) -> None:
    if not discounted:
        return
    from django.db import connection

    until = AS_OF + timedelta(days=DISCOUNT_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO receivables_opentransactiondiscount (open_transaction_id, until, "
            "percent, amount) SELECT unnest(%s::bigint[]), %s, 2, unnest(%s::numeric[])",
            [[d[0] for d in discounted], until, [d[1] for d in discounted]],
        )


def statement_file(statement: Statement, account) -> bytes:
    """The camt.053.001.08 document of a generated statement, balanced."""
    from banking.camt_write import camt053

    total = sum((Decimal(e["amount"]) for e in statement.entries), Decimal("0"))
    return camt053(
        iban=account.iban,
        entries=statement.entries,
        statement_id=statement.statement_id,
        opening="0.00",
        closing=f"{total:.2f}",
        on=AS_OF,
    )


def statement_file_import(account, data: bytes, user, name: str):
    """The statement of ``data`` imported for ``account``, not matched."""
    from banking.services.imports import statement_import

    (imported,) = statement_import(
        bank_account=account, fmt="camt053", data=data, actor=user, file_name=name, match=False
    )
    return imported
