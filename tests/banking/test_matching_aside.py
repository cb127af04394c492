"""Matching outside a transaction on PostgreSQL (a matching job, a clerk's request): the party
names are read and the outcomes written on second connections (``core.aside``) while the lines
are matched. The outcomes are those of matching on one connection; the lines the clerk decided
are left alone; a failure on either side leaves nothing written; no thread outlives a match."""

import threading

import pytest
from django.db import transaction

import banking.matching.candidates as candidates
import banking.matching.debits as debits
import banking.matching.party_names as party_names
import banking.services.matching as matching
import banking.services.matching_write as matching_write
from banking.models import BankStatementLine
from banking.services.matching import statement_match
from core import aside as aside_module
from core.models import AuditEntry, Job
from entities.models import Party
from tests.conftest import make_clerk

from .test_matching_service import _many_lines, lines_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql("a second connection sees what the first committed"),
]
FIELDS = ("sequence", "status", "proposals", "marked", "customer_id")


@pytest.fixture
def asides(monkeypatch) -> list[str]:
    """The names of the work started aside, in order."""
    started: list[str] = []

    def spy(work, *, name):
        started.append(name)
        return aside_module.aside(work, name=name)

    monkeypatch.setattr(matching_write, "aside", spy)
    monkeypatch.setattr(candidates, "aside", spy)
    monkeypatch.setattr(party_names, "aside", spy)
    return started


def _outcomes(statement):
    return list(statement.lines.order_by("sequence").values_list(*FIELDS))


def _unmatch(statement):
    statement.lines.update(status="unmatched", proposals=[], marked=[], customer=None)
    statement.matched_at = None
    statement.save(update_fields=["matched_at"])


def _match_threads() -> list[threading.Thread]:
    """Matching's threads still running a moment after the match returned (each has handed
    over its result after closing its connection: it is ending)."""
    names = ("statement-match-write", "party-names", "statement-keys", "statement-chunk-ahead")
    threads = [t for t in threading.enumerate() if t.name in names]
    for thread in threads:
        thread.join(2)
    return [t for t in threads if t.is_alive()]


def test_matching_aside_gives_the_outcomes_of_one_connection(fabrikam, monkeypatch, asides):
    monkeypatch.setattr(matching, "MATCH_CHUNK_LINES", 3)  # several chunks written while computed
    statement = _many_lines(fabrikam, 12)
    clerk = make_clerk("clerk", fabrikam["FAB"], fabrikam["FABE"])
    with transaction.atomic():
        statement_match(statement=statement, actor=clerk)
    assert asides == []
    on_one = _outcomes(statement)
    assert {status for _, status, *_ in on_one} == {"matched", "suggested"}
    _unmatch(statement)

    matched = statement_match(statement=statement, actor=clerk)

    assert asides == [
        "party-names",
        "statement-keys",
        "statement-chunk-ahead",  # the parties' debits of the first chunk
        "statement-chunk-ahead",  # of the second, while the first is matched
        "statement-match-write",  # from the first chunk matched on
        *["statement-chunk-ahead"] * 2,  # the third's and the fourth's
    ]
    assert _outcomes(statement) == on_one
    assert matched.matched_at is not None
    statement.refresh_from_db()
    assert statement.matched_at == matched.matched_at
    audit = AuditEntry.objects.filter(action="bank_statement.matched").order_by("-pk").first()
    assert audit.changes["matched"] == [0, sum(s == "matched" for _, s, *_ in on_one)]
    assert not _match_threads()


def test_matching_aside_leaves_alone_a_line_the_clerk_ignored_after_it_was_read(
    fabrikam, monkeypatch, asides
):
    statement = _many_lines(fabrikam, 4)
    read = matching._lines_in_play

    def read_then_ignored(statement):
        lines = read(statement)
        statement.lines.filter(sequence=1).update(status="ignored")  # committed: autocommit
        return lines

    monkeypatch.setattr(matching, "_lines_in_play", read_then_ignored)

    statement_match(statement=statement, actor=None)

    assert "statement-match-write" in asides
    lines = lines_of(statement)
    assert (lines[0].status, lines[0].proposals) == ("ignored", [])
    assert lines[1].status == "matched"


def test_matching_aside_a_failed_write_leaves_nothing_written(fabrikam, monkeypatch, asides):
    monkeypatch.setattr(matching, "MATCH_CHUNK_LINES", 1)
    statement = _many_lines(fabrikam, 4)
    write = matching_write.outcomes_update
    calls = []

    def second_fails(rows):
        calls.append(rows)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        write(rows)

    monkeypatch.setattr(matching_write, "outcomes_update", second_fails)

    with pytest.raises(RuntimeError, match="the disk is full"):
        statement_match(statement=statement, actor=None)

    assert "statement-match-write" in asides
    assert {line.status for line in lines_of(statement)} == {"unmatched"}
    statement.refresh_from_db()
    assert statement.matched_at is None
    assert not AuditEntry.objects.filter(action="bank_statement.matched").exists()
    assert not _match_threads()


def test_matching_aside_a_failed_computation_rolls_back_the_chunks_written(
    fabrikam, monkeypatch, asides
):
    monkeypatch.setattr(matching, "MATCH_CHUNK_LINES", 1)
    statement = _many_lines(fabrikam, 4)
    outcome = matching._outcome_taking
    written = []
    write = matching_write.outcomes_update
    monkeypatch.setattr(
        matching_write, "outcomes_update", lambda rows: (written.append(rows), write(rows))
    )

    def third_fails(*args):
        if len(written) >= 2:
            raise ValueError("a rule failed")
        return outcome(*args)

    monkeypatch.setattr(matching, "_outcome_taking", third_fails)

    with pytest.raises(ValueError, match="a rule failed"):
        statement_match(statement=statement, actor=None)

    assert len(written) >= 2, "chunks were written before the failure"
    assert {line.status for line in lines_of(statement)} == {"unmatched"}
    assert not _match_threads()


def test_matching_job_aside_fences_on_the_writing_connection(fabrikam, asides):
    from banking.services.matching_jobs import statements_match_start
    from core.jobs import job_run

    statement = _many_lines(fabrikam, 4)
    clerk = make_clerk("clerk", fabrikam["FAB"], fabrikam["FABE"])
    job = statements_match_start(statements=[statement], actor=clerk, enqueue=False)

    job = job_run(job_id=job.pk)

    assert "statement-match-write" in asides
    assert (job.state, job.total, job.done) == (Job.State.DONE, 4, 4)
    assert [line.status for line in lines_of(statement)] == [
        "matched",
        "matched",
        "suggested",
        "suggested",  # its reference disagrees on the amount
    ]
    assert BankStatementLine.objects.filter(statement=statement, proposals=[]).count() == 0


def test_names_read_ahead_and_not_needed_leave_no_thread(fabrikam, asides, monkeypatch):
    from tests.factories.receivables import post_invoice

    from .test_matching_service import bank_statement

    searched = []
    monkeypatch.setattr(party_names.PartyNames, "search", lambda self, q: searched.append(q) or [])
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"])
    statement = bank_statement(
        fabrikam["FAB"],
        [{"amount": "100.00", "remittance_info": invoice.number, "counterparty_name": "Nobody"}],
    )

    statement_match(statement=statement, actor=None)

    assert asides[0] == "party-names"
    assert searched == []  # its reference settles the line: no name is searched
    assert [line.status for line in lines_of(statement)] == ["matched"]
    assert not _match_threads()


def test_statement_names_may_be_searched_by_the_lines_still_to_match(fabrikam):
    from banking.selectors import statement_names_may_be_searched
    from entities.models import PartyBankAccount

    from .test_matching_service import bank_statement

    known = "DE89 3704 0044 0532 0130 00"
    PartyBankAccount.objects.create(party=fabrikam["party"], iban=known.replace(" ", ""))
    statement = bank_statement(
        fabrikam["FAB"],
        [
            {"amount": "10.00", "counterparty_name": "Known", "counterparty_iban": known.lower()},
            {"amount": "-10.00", "counterparty_name": "A debit"},
            {"amount": "10.00", "counterparty_name": ""},
            {"amount": "10.00", "counterparty_name": "Ignored", "status": "ignored"},
        ],
        iban="GB29NWBK60161331926819",
    )
    assert not statement_names_may_be_searched(statement)
    statement.lines.filter(sequence=4).update(status="unmatched")
    assert statement_names_may_be_searched(statement)
    statement.lines.filter(sequence=4).update(marked_by_user=True)
    assert not statement_names_may_be_searched(statement)


def test_names_read_ahead_in_another_currency_are_read_again_and_leave_no_thread(fabrikam, asides):
    from .test_matching_service import bank_statement

    statement = bank_statement(
        fabrikam["FAB"],
        [
            {"amount": "10.00", "counterparty_name": "Northwind Traders"},
            {"amount": "12.00", "counterparty_name": "Somebody Else"},
        ],
    )
    statement.lines.filter(sequence=2).update(currency="EUR")

    statement_match(statement=statement, actor=None)

    assert asides.count("party-names") == 2, "read ahead in USD, then in EUR and USD"
    assert {line.status for line in lines_of(statement)} <= {"suggested", "unmatched"}
    assert not _match_threads()


def test_matching_aside_reads_each_chunks_parties_ahead(fabrikam, monkeypatch, asides):
    monkeypatch.setattr(matching, "MATCH_CHUNK_LINES", 4)
    statement = _many_lines(fabrikam, 12)
    read_on: dict[int, set[str]] = {}
    read = debits.ChunkDebits._read

    def spy(self, qs):
        for ot, value in read(self, qs):
            read_on.setdefault(ot.party_id, set()).add(threading.current_thread().name)
            yield ot, value

    monkeypatch.setattr(debits.ChunkDebits, "_read", spy)
    clerk = make_clerk("clerk", fabrikam["FAB"], fabrikam["FABE"])

    statement_match(statement=statement, actor=clerk)

    numbers = dict(Party.objects.filter(pk__in=read_on).values_list("pk", "number"))
    by_line = {int(numbers[party][1:]): threads for party, threads in read_on.items()}
    # Lines 1, 2, 3 of each chunk of four (IBAN, name, IBAN with a disagreeing reference) want
    # their parties' debits: each chunk's are read ahead, none on the matching thread (a name
    # points at every party here: the names are alike).
    assert {line for line, threads in by_line.items() if "MainThread" in threads} == set()
    assert all("statement-chunk-ahead" in by_line[line] for line in (1, 2, 3, 5, 6, 7, 9, 10, 11))
    assert asides.count("statement-chunk-ahead") == 3
    assert not _match_threads()


@pytest.mark.parametrize("aside", [False, True], ids=["one connection", "aside"])
def test_a_line_naming_an_invoice_a_line_of_the_chunk_before_took_is_left_to_its_iban(
    fabrikam, monkeypatch, asides, aside
):
    """The second chunk's references are taken before the first chunk is matched: the first
    line takes the invoice both name, and the second is matched by its IBAN to the party's
    other invoice of the amount, whose debits are read when its chunk is matched."""
    from entities.models import PartyBankAccount
    from tests.factories.receivables import post_invoice

    from .test_matching_service import PAYER_IBAN, bank_statement

    monkeypatch.setattr(matching, "MATCH_CHUNK_LINES", 1)
    PartyBankAccount.objects.create(party=fabrikam["party"], iban=PAYER_IBAN)
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"])
    other = post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"])
    named = {"amount": "100.00", "remittance_info": invoice.number, "counterparty_iban": PAYER_IBAN}
    statement = bank_statement(fabrikam["FAB"], [named, named, named])

    if aside:
        statement_match(statement=statement, actor=None)
        assert asides.count("statement-chunk-ahead") == 3
    else:
        with transaction.atomic():
            statement_match(statement=statement, actor=None)
        assert asides == []

    first, second, third = lines_of(statement)
    assert (first.status, [p["rule"] for p in first.proposals]) == ("matched", ["reference"])
    assert [m["transaction"] for m in first.marked] == [invoice.open_transaction.pk]
    assert (second.status, second.proposals[0]["rule"]) == ("matched", "iban")
    assert [m["transaction"] for m in second.marked] == [other.open_transaction.pk]
    assert (third.status, third.proposals) == ("unmatched", [])
    assert not _match_threads()


def test_matching_aside_a_failed_read_ahead_leaves_nothing_written(fabrikam, monkeypatch, asides):
    monkeypatch.setattr(matching, "MATCH_CHUNK_LINES", 4)
    statement = _many_lines(fabrikam, 12)

    def fails(chunk, wanted):
        raise ConnectionError("the server closed the connection")

    monkeypatch.setattr(candidates, "_chunk_read_ahead", fails)

    with pytest.raises(ConnectionError, match="closed the connection"):
        statement_match(statement=statement, actor=None)

    assert "statement-chunk-ahead" in asides
    assert {line.status for line in lines_of(statement)} == {"unmatched"}
    statement.refresh_from_db()
    assert statement.matched_at is None
    assert not _match_threads()


def test_matching_aside_switches_threads_often_and_restores_the_interval(fabrikam, monkeypatch):
    import sys

    from core.switching import SHORT

    statement = _many_lines(fabrikam, 4)
    seen = []
    match_aside = matching._match_aside

    def spy(*args):
        seen.append(sys.getswitchinterval())
        return match_aside(*args)

    monkeypatch.setattr(matching, "_match_aside", spy)
    before = sys.getswitchinterval()

    statement_match(statement=statement, actor=None)

    assert seen == [pytest.approx(min(SHORT, before), abs=2e-6)]
    assert sys.getswitchinterval() == before
    assert not _match_threads()


def test_matching_aside_with_no_line_to_match_stamps_the_statement(fabrikam, asides):
    from .test_matching_service import bank_statement

    statement = bank_statement(
        fabrikam["FAB"], [{"amount": "10.00", "counterparty_name": "Nobody", "status": "ignored"}]
    )

    matched = statement_match(statement=statement, actor=None)

    assert "statement-match-write" in asides
    statement.refresh_from_db()
    assert statement.matched_at == matched.matched_at is not None
    assert AuditEntry.objects.filter(action="bank_statement.matched").count() == 1
    assert not _match_threads()
