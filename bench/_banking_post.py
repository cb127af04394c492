"""Posting matched statement lines: the statements ``bench_banking.py`` posts, and the floor,
the same rows written with plain SQL, one transaction per line."""

from _banking import AS_OF, statement_file, statement_file_import, statement_generate


def post_statement_prepare(*, account, user, lines: int, seed: int):
    """A statement of ``lines`` lines each naming one open invoice of the book and paying it
    in full, imported and matched (every line ``matched``)."""
    from banking.services.matching import statement_match

    generated = statement_generate(
        lines=lines,
        seed=seed,
        statement_id=f"BENCH-POST-{seed}-{lines}",
        categories={"reference": 1.0},
    )
    data = statement_file(generated, account)
    statement = statement_file_import(account, data, user, f"post-{seed}.xml")
    statement_match(statement=statement, actor=user)
    matched = statement.lines.filter(status="matched").count()
    assert matched == lines, f"{matched} of {lines} lines matched"
    return statement


def _lines_read(statement) -> list[tuple]:
    """(line, amount, reference, payment customer and its party, invoice, its entity and
    customer) of each matched line."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.id, l.amount, l.bank_reference, l.customer_id, c.party_id, ot.id, "
            "ot.legal_entity_id, ot.customer_id FROM banking_bankstatementline l "
            "JOIN entities_customer c ON c.id = l.customer_id "
            "JOIN receivables_opentransaction ot "
            "ON ot.id = (l.marked -> 0 ->> 'transaction')::bigint "
            "WHERE l.statement_id = %s AND l.status = 'matched' ORDER BY l.sequence",
            [statement.pk],
        )
        return cursor.fetchall()


def _accounts(bank_entity: int, entities: set[int]) -> dict:
    from ledger.models import MainAccount

    codes = {e.pk: e.code for e in _entities(entities | {bank_entity})}
    wanted = {(e, "130100") for e in codes}
    wanted |= {(bank_entity, f"245000-{codes[e]}") for e in entities if e != bank_entity}
    wanted |= {(e, f"145000-{codes[bank_entity]}") for e in entities if e != bank_entity}
    found = {}
    for account in MainAccount.objects.filter(legal_entity_id__in=list(codes)):
        if (account.legal_entity_id, account.number) in wanted:
            found[(account.legal_entity_id, account.number[:6])] = account.pk
    return found


def _entities(ids):
    from entities.models import LegalEntity

    return list(LegalEntity.objects.filter(pk__in=ids))


def floor_post(statement) -> int:
    """The rows posting each matched line writes, in plain SQL, one transaction per line: lock
    the line and the invoice; the payment's number, voucher and two ledger lines, the payment
    and its open transaction; the settlement, its two lines, its voucher in the bank account's
    entity (and in the invoice's, with the intercompany lines, when it is another's) and the
    voucher links; both open amounts to zero; the voucher sequences; the line posted. No checks,
    no audit rows. The number of lines posted."""
    from django.db import connection, transaction

    account = statement.bank_account
    bank_entity = account.legal_entity_id
    rows = _lines_read(statement)
    accounts = _accounts(bank_entity, {r[6] for r in rows})
    prefix = {e.pk: e.code for e in _entities({bank_entity} | {r[6] for r in rows})}
    for line, amount, reference, customer, party, invoice, entity, invoice_customer in rows:
        cross = entity != bank_entity
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM banking_bankstatementline WHERE id = %s FOR UPDATE", [line]
            )
            cursor.execute(
                "SELECT id FROM receivables_opentransaction WHERE id = %s FOR UPDATE", [invoice]
            )
            cursor.execute(
                "UPDATE ledger_numbersequence SET next_value = next_value + 1 "
                "WHERE legal_entity_id = %s AND name = 'payment' RETURNING next_value",
                [bank_entity],
            )
            payment_number = f"{prefix[bank_entity]}-PAY{cursor.fetchone()[0] - 1:08d}"
            numbers = {}
            for voucher_entity, n in ((bank_entity, 2), *(((entity, 1),) if cross else ())):
                cursor.execute(
                    "UPDATE ledger_numbersequence SET next_value = next_value + %s "
                    "WHERE legal_entity_id = %s AND name = 'voucher' RETURNING next_value",
                    [n, voucher_entity],
                )
                numbers[voucher_entity] = cursor.fetchone()[0] - n
            vouchers = [
                (bank_entity, f"{prefix[bank_entity]}-V{numbers[bank_entity]:08d}", "Payment"),
                (
                    bank_entity,
                    f"{prefix[bank_entity]}-V{numbers[bank_entity] + 1:08d}",
                    "Settlement",
                ),
            ]
            if cross:
                vouchers.append((entity, f"{prefix[entity]}-V{numbers[entity]:08d}", "Settlement"))
            params = []
            for voucher_entity, voucher_number, description in vouchers:
                params += [voucher_entity, voucher_number, AS_OF, description, voucher_number]
            cursor.execute(
                "INSERT INTO ledger_voucher (legal_entity_id, number, date, description, "
                "source_key, created_at) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s, now())"] * len(vouchers))
                + " RETURNING id",
                params,
            )
            ids = [r[0] for r in cursor.fetchall()]
            receivable = accounts[(bank_entity, "130100")]
            entries = [
                (ids[0], bank_entity, account.main_account_id, "bank", None, None, amount),
                (ids[0], bank_entity, receivable, "customer_balance", None, customer, -amount),
                (ids[1], bank_entity, receivable, "customer_balance", None, customer, amount),
            ]
            if cross:
                entries += [
                    (
                        ids[1],
                        bank_entity,
                        accounts[(bank_entity, "245000")],
                        "intercompany_due_to",
                        entity,
                        None,
                        -amount,
                    ),
                    (
                        ids[2],
                        entity,
                        accounts[(entity, "145000")],
                        "intercompany_due_from",
                        bank_entity,
                        None,
                        amount,
                    ),
                    (
                        ids[2],
                        entity,
                        accounts[(entity, "130100")],
                        "customer_balance",
                        None,
                        invoice_customer,
                        -amount,
                    ),
                ]
            else:
                entries.append(
                    (
                        ids[1],
                        bank_entity,
                        receivable,
                        "customer_balance",
                        None,
                        invoice_customer,
                        -amount,
                    )
                )
            params = []
            for voucher, entry_entity, acct, kind, counterparty, entry_customer, value in entries:
                params += [
                    voucher,
                    entry_entity,
                    AS_OF,
                    acct,
                    kind,
                    counterparty,
                    entry_customer,
                    value,
                    value,
                ]
            cursor.execute(
                "INSERT INTO ledger_ledgerentry (voucher_id, legal_entity_id, date, account_id, "
                "posting_type, counterparty_id, customer_id, currency, amount, "
                "accounting_amount, description) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, 'USD', %s, %s, '')"] * len(entries)),
                params,
            )
            cursor.execute(
                "INSERT INTO receivables_payment (legal_entity_id, customer_id, number, date, "
                "amount, currency, method, reference, bank_account, bank_ledger_account_id, "
                "end_to_end_id, status, voucher_id, created_at, posted_at) VALUES (%s, %s, %s, "
                "%s, %s, 'USD', 'electronic', %s, %s, %s, '', 'posted', %s, now(), now()) "
                "RETURNING id",
                [
                    bank_entity,
                    customer,
                    payment_number,
                    AS_OF,
                    amount,
                    reference,
                    account.code,
                    account.main_account_id,
                    ids[0],
                ],
            )
            payment = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO receivables_opentransaction (legal_entity_id, customer_id, "
                "party_id, kind, payment_id, voucher_id, document_number, date, due_date, "
                "currency, rate, amount, open_amount, accounting_amount, "
                "open_accounting_amount, amount_before_tax, disputed, closed_on, created_at) "
                "VALUES (%s, %s, %s, 'payment', %s, %s, %s, %s, %s, 'USD', 1, %s, 0, %s, 0, "
                "%s, false, %s, now()) RETURNING id",
                [
                    bank_entity,
                    customer,
                    party,
                    payment,
                    ids[0],
                    payment_number,
                    AS_OF,
                    AS_OF,
                    -amount,
                    -amount,
                    -amount,
                    AS_OF,
                ],
            )
            payment_ot = cursor.fetchone()[0]
            cursor.execute(
                "UPDATE receivables_opentransaction SET open_amount = 0, "
                "open_accounting_amount = 0, closed_on = %s WHERE id = %s",
                [AS_OF, invoice],
            )
            cursor.execute(
                "INSERT INTO settlement_settlement (party_id, date, currency, "
                "primary_payment_id, status, created_at) VALUES (%s, %s, 'USD', %s, 'posted', "
                "now()) RETURNING id",
                [party, AS_OF, payment_ot],
            )
            settlement = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO settlement_settlementline (settlement_id, open_transaction_id, "
                "settled_amount, cash_discount, payment_difference, full_settlement, amount, "
                "accounting_amount, fx_difference) VALUES (%s, %s, %s, 0, 0, false, %s, %s, 0), "
                "(%s, %s, %s, 0, 0, false, %s, %s, 0)",
                [
                    settlement,
                    payment_ot,
                    -amount,
                    -amount,
                    -amount,
                    settlement,
                    invoice,
                    amount,
                    amount,
                    amount,
                ],
            )
            cursor.execute(
                "INSERT INTO settlement_settlement_vouchers (settlement_id, voucher_id) "
                "SELECT %s, unnest(%s::bigint[])",
                [settlement, ids[1:]],
            )
            cursor.execute(
                "UPDATE banking_bankstatementline SET status = 'posted', payment_id = %s, "
                "settlement_id = %s, error = '', posted_at = now() WHERE id = %s",
                [payment, settlement, line],
            )
    return len(rows)
