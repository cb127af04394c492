"""Bank statements at volume: a camt.053 statement of ``BENCH_STATEMENT_LINES`` lines (10,000)
generated against the ``generate_book`` book (1,000,000 open transactions in GB1..GB3; generated
once, reused), parsed, imported and matched, beside the bare SQL that fetches every line's
candidates (one query by document number keys, one by IBAN → party → open debits of the line's
amount) in the same run; the peak Python memory of parsing and matching at 1,000 lines and at
the full size; the accuracy per kind of line; then ``BENCH_POST_LINES`` (1,000) matched lines
posted (payment and settlement, one transaction per line) beside the plain-SQL floor writing the
same rows.

Targets: parse + match at most 4× the bare SQL, memory flat; the right proposal on top for
≥ 98 % of the lines that carry a reference or a known IBAN, no line matched to a wrong item;
posting at 40 % of its floor or more.
"""

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from io import StringIO
from pathlib import Path

from _setup import django_setup

LINES = int(os.environ.get("BENCH_STATEMENT_LINES", "10000"))
POST_LINES = int(os.environ.get("BENCH_POST_LINES", "1000"))
MEMORY_LINES = min(1000, LINES)
SEED = int(os.environ.get("BENCH_SEED", str(int(time.time()) % 1_000_000)))
RUNS = 3  # parse and match: the median of three, as for the bare SQL
WITH_REFERENCE = ("reference", "rf", "multi", "discount")


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def _peak_mib(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


class NameSearchClock:
    """Time spent in the fuzzy search of party names during matching (searches not cached; the
    first builds the index of the names, or waits for them while they are read)."""

    def __init__(self):
        from banking.matching.party_names import PartyNames

        self.seconds, self.searches = 0.0, 0
        original = PartyNames.search

        def search(names, name):
            started = time.perf_counter()
            try:
                return original(names, name)
            finally:
                self.seconds += time.perf_counter() - started
                self.searches += 1

        PartyNames.search = search


def floor_queries(statement_lines) -> tuple[str, list, str, list]:
    """The bare SQL fetching every line's candidates: open debits named by a document number key
    of any line, and open debits of the amount of a line whose IBAN names their party."""
    from banking.matching.engine import LineFacts, line_reference_keys

    keys, ibans, amounts = set(), [], []
    for line in statement_lines:
        facts = LineFacts(
            amount=line.amount,
            currency=line.currency,
            value_date=line.value_date,
            remittance_info=line.remittance_info,
            structured_reference=line.structured_reference,
        )
        keys.update(line_reference_keys(facts))
        if line.counterparty_iban:
            ibans.append(line.counterparty_iban)
            amounts.append(line.amount)
    columns = (
        "ot.id, ot.legal_entity_id, ot.customer_id, ot.party_id, ot.kind, ot.document_number, "
        "ot.date, ot.due_date, ot.currency, ot.amount, ot.open_amount, ot.amount_before_tax, "
        "ot.disputed"
    )
    debit = (
        "ot.open_amount <> 0 AND ot.open_amount > 0 AND ot.kind IN ('invoice', 'interest_note') "
        "AND ot.currency = 'USD'"
    )
    by_key = (
        f"SELECT {columns} FROM receivables_opentransaction ot "
        f"WHERE replace(upper(ot.document_number), '-', '') = ANY(%s) AND {debit}"
    )
    by_iban = (
        f"SELECT l.iban, {columns} FROM unnest(%s::text[], %s::numeric[]) AS l(iban, amount) "
        "JOIN entities_partybankaccount b ON b.iban = l.iban "
        f"JOIN receivables_opentransaction ot ON ot.party_id = b.party_id "
        f"AND ot.open_amount = l.amount WHERE {debit}"
    )
    return by_key, [sorted(keys)], by_iban, [ibans, amounts]


def floor_time(statement_lines, runs: int = 3) -> tuple[float, int]:
    """The bare SQL's time: run once to warm, then the median of ``runs``."""
    from django.db import connection

    by_key, key_params, by_iban, iban_params = floor_queries(statement_lines)

    def run():
        rows = 0
        with connection.cursor() as cursor:
            for sql, params in ((by_key, key_params), (by_iban, iban_params)):
                cursor.execute(sql, params)
                rows += len(cursor.fetchall())
        return rows

    rows = run()  # warm
    times = []
    for _ in range(runs):
        times.append(_timed(run)[1])
    return statistics.median(times), rows


def accuracy(statement, generated) -> dict[str, dict]:
    """Per category: lines, right proposal on top, matched, matched to a wrong item."""
    from banking.models import BankStatementLine

    figures: dict[str, Counter] = defaultdict(Counter)
    rows = statement.lines.order_by("sequence").values_list("status", "proposals", "marked")
    for (status, proposals, marked), category, truth in zip(
        rows, generated.categories, generated.truths, strict=True
    ):
        top = (
            frozenset(int(t["transaction"]) for t in proposals[0]["transactions"])
            if proposals and not proposals[0]["tie"]
            else frozenset()
        )
        counts = figures[category]
        counts["lines"] += 1
        counts["right on top"] += top == truth if truth else not proposals or top == truth
        if status == BankStatementLine.Status.MATCHED:
            counts["matched"] += 1
            if frozenset(int(m["transaction"]) for m in marked) != truth:
                counts["matched wrong"] += 1
        counts["suggested"] += status == BankStatementLine.Status.SUGGESTED
        counts["unmatched"] += status == BankStatementLine.Status.UNMATCHED
    return figures


def main() -> None:
    django_setup()
    import _banking
    from _banking_post import floor_post, post_statement_prepare
    from django.contrib.auth import get_user_model

    from banking.parsers.camt053 import camt053_parse
    from banking.services.matching import statement_match
    from banking.services.posting import statement_post

    out = StringIO()
    _, took = _timed(lambda: _banking.book_ensure(out))
    _log(f"Book: {took:.1f} s to generate (or find) the 1,000,000 open transactions")
    parties_with_iban = _banking.party_ibans_ensure()
    account = _banking.bank_account_ensure()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-banking", defaults={"is_superuser": True, "is_staff": True}
    )

    generated, took = _timed(
        lambda: _banking.statement_generate(
            lines=LINES, seed=SEED, statement_id=f"BENCH-{SEED}-{LINES}"
        )
    )
    data = _banking.statement_file(generated, account)
    path = Path(tempfile.gettempdir()) / f"bench-banking-{SEED}.xml"
    path.write_bytes(data)
    _log(f"Statement: {LINES:,} lines, {len(data) / 2**20:.1f} MiB, generated in {took:.1f} s")

    _log("Parsing, importing, matching …")
    data = path.read_bytes()
    parse_times = []
    for _ in range(RUNS):
        parsed, took = _timed(lambda: camt053_parse(data))
        assert len(parsed[0].lines) == LINES
        del parsed  # not kept alive through the next parse, the import and the match
        parse_times.append(took)
    parse_s = statistics.median(parse_times)
    statement, import_s = _timed(
        lambda: _banking.statement_file_import(account, path.read_bytes(), user, path.name)
    )
    _vacuum_analyze()
    # Matched RUNS times (the first on the lines as imported, then again: every line is matched
    # and written each time); the median, as for the bare SQL.
    match_times, name_times = [], []
    clock = NameSearchClock()
    for _ in range(RUNS):
        clock.seconds, clock.searches = 0.0, 0
        match_times.append(_timed(lambda: statement_match(statement=statement, actor=user))[1])
        name_times.append(clock.seconds)
    match_s, name_s, name_calls = (
        statistics.median(match_times),
        statistics.median(name_times),
        clock.searches,
    )
    lines = list(statement.lines.order_by("sequence"))
    floor_s, floor_rows = floor_time(lines)
    figures = accuracy(statement, generated)
    _log(
        f"parse {parse_s:.2f} s, import {import_s:.2f} s, match {match_s:.2f} s, bare SQL "
        f"{floor_s:.3f} s; memory …"
    )

    # Memory: parsing and matching the full statement again, and a statement of 1,000 lines.
    small = _banking.statement_generate(
        lines=MEMORY_LINES, seed=SEED + 1, statement_id=f"BENCH-{SEED + 1}-{MEMORY_LINES}"
    )
    small_data = _banking.statement_file(small, account)
    small_statement = _banking.statement_file_import(account, small_data, user, "small.xml")
    memory = {
        MEMORY_LINES: (
            _peak_mib(lambda: camt053_parse(small_data)),
            _peak_mib(lambda: statement_match(statement=small_statement, actor=user)),
        ),
        LINES: (
            _peak_mib(lambda: camt053_parse(data)),
            _peak_mib(lambda: statement_match(statement=statement, actor=user)),
        ),
    }
    path.unlink()

    # Posting: two statements of POST_LINES lines, each naming one open invoice and paying it
    # in full, matched; one posted by the service, the other's rows written by the floor.
    _log("Posting …")
    service_statement = post_statement_prepare(
        account=account, user=user, lines=POST_LINES, seed=SEED + 2
    )
    floor_statement = post_statement_prepare(
        account=account, user=user, lines=POST_LINES, seed=SEED + 3
    )
    results, post_s = _timed(lambda: statement_post(statement=service_statement, actor=user))
    errors = [r.error for r in results if r.error is not None]
    posted, floor_post_s = _timed(lambda: floor_post(floor_statement))

    print(
        f"Bank statement of {LINES:,} lines (camt.053, {len(data) / 2**20:.1f} MiB) against "
        f"{_book_size():,} open transactions; {parties_with_iban:,} parties with an IBAN; "
        "tables vacuumed and analyzed before matching"
    )
    bare = floor_s
    print(
        f"  {'bare SQL: every line candidates (2 queries)':<46} {bare:>8.3f} s"
        f"  ({floor_rows:,} rows)"
    )
    print(f"  {'parse (camt053_parse)':<46} {parse_s:>8.3f} s")
    print(f"  {'import (statement_import, match=False)':<46} {import_s:>8.3f} s")
    print(f"  {'match (statement_match)':<46} {match_s:>8.3f} s")
    print(
        f"  {'  of which party names: index and search':<46} {name_s:>8.3f} s"
        f"  ({name_calls:,} calls over the names of the parties with open debits)"
    )
    print(
        f"  {'parse + match':<46} {parse_s + match_s:>8.3f} s"
        f"  ({(parse_s + match_s) / bare:.1f}× the bare SQL; target ≤ 4×)"
    )
    print("Peak Python memory (tracemalloc), parse / match:")
    for size, (parse_mib, match_mib) in memory.items():
        print(f"  {size:>7,} lines {parse_mib:>8.1f} MiB {match_mib:>8.1f} MiB")
    print("Accuracy per kind of line (right proposal on top; matched; matched to a wrong item):")
    total = Counter()
    for category in _banking.CATEGORIES:
        c = figures.get(category)
        if not c:
            continue
        if category in WITH_REFERENCE or category == "iban":
            total.update(c)
        print(
            f"  {category:<10} {c['lines']:>6,} lines"
            f"  {c['right on top'] / c['lines']:>6.1%} on top"
            f"  {c['matched']:>6,} matched  {c['suggested']:>6,} suggested"
            f"  {c['unmatched']:>5,} unmatched  {c['matched wrong']:>3} wrong"
        )
    wrong = sum(c["matched wrong"] for c in figures.values())
    print(
        f"  reference or IBAN: {total['right on top'] / total['lines']:.1%} right on top "
        f"(target ≥ 98 %); matched to a wrong item: {wrong} (target 0)"
    )
    service_rate = len(results) / post_s
    floor_rate = posted / floor_post_s
    print(f"Posting {POST_LINES:,} matched lines, one transaction per line:")
    print(f"  {'floor: plain SQL, same rows':<46} {floor_rate:>8.0f} lines/s")
    print(
        f"  {'statement_post':<46} {service_rate:>8.0f} lines/s"
        f"  ({service_rate / floor_rate:.0%} of the floor; target ≥ 40 %)"
        + (f"; {len(errors)} refused: {errors[0]}" if errors else "")
    )


VACUUMED = (
    "receivables_opentransaction",
    "receivables_opentransactiondiscount",
    "entities_party",
    "entities_partybankaccount",
    "entities_customer",
    "banking_bankstatementline",
)


def _vacuum_analyze() -> None:
    """The tables matching and the bare SQL read, vacuumed and analyzed: earlier runs leave dead
    rows (postings, resets, matches) that slow the bare SQL's scans more than matching, and
    statistics that lag behind the rows added. Both are measured on the tables as they are
    right after, every run alike."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in VACUUMED:
            cursor.execute(f"VACUUM ANALYZE {table}")


def _book_size() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM receivables_opentransaction ot JOIN entities_legalentity e "
            "ON e.id = ot.legal_entity_id WHERE e.code LIKE 'GB_' AND ot.open_amount <> 0"
        )
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
