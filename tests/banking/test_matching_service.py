"""Matching a statement against the database: candidates across the user's entities, statuses
by the entity's threshold, lines the clerk kept, bounded queries, the job."""

from datetime import date
from decimal import Decimal

import pytest

from banking.models import BankAccount, BankStatement, BankStatementLine
from banking.services.matching import statement_match
from banking.services.matching_jobs import (
    MATCH_JOB,
    statements_match_job_run,
    statements_match_start,
)
from core.errors import ApplicationError
from core.models import AuditEntry, Job
from entities.models import PartyBankAccount
from ledger.models import MainAccount
from tests.conftest import make_clerk
from tests.factories.entities import CustomerFactory, PartyFactory
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db

PAYER_IBAN = "GB82WEST12345698765432"
ON = date(2026, 3, 9)


def bank_statement(entity, lines, *, code="B1", iban="DE89370400440532013000"):
    account = BankAccount.objects.create(
        legal_entity=entity,
        code=code,
        name="Main bank",
        iban=iban,
        currency="USD",
        main_account=MainAccount.objects.get_or_create(
            legal_entity=entity,
            number=f"1102-{code}",
            defaults={"name": f"Bank {code}", "kind": MainAccount.Kind.ASSET},
        )[0],
    )
    statement = BankStatement.objects.create(
        bank_account=account,
        statement_id="2026-03-09",
        format=BankStatement.Format.CAMT053,
        file_sha256="0" * 64,
        from_date=ON,
        to_date=ON,
        currency="USD",
        opening_balance=Decimal("0"),
        closing_balance=sum((Decimal(x["amount"]) for x in lines), Decimal("0")),
    )
    BankStatementLine.objects.bulk_create(
        BankStatementLine(
            statement=statement,
            bank_account=account,
            sequence=i + 1,
            line_key=f"L{i + 1}",
            booking_date=ON,
            value_date=ON,
            currency="USD",
            **{**x, "amount": Decimal(x["amount"])},
        )
        for i, x in enumerate(lines)
    )
    return statement


def lines_of(statement):
    return list(statement.lines.order_by("sequence"))


def test_statement_match_proposes_a_fabe_invoice_for_a_fab_line(fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"])
    clerk = make_clerk("clerk", fabrikam["FAB"], fabrikam["FABE"])
    statement = bank_statement(
        fabrikam["FAB"], [{"amount": "600.00", "remittance_info": f"Invoice {invoice.number}"}]
    )

    statement_match(statement=statement, actor=clerk)

    (line,) = lines_of(statement)
    ot = invoice.open_transaction
    assert line.status == "matched"
    assert line.customer == fabrikam["customers"]["FAB"]  # the payment is FAB's, centralized
    assert line.marked == [
        {
            "transaction": ot.pk,
            "amount": "600.00",
            "cash_discount": "0.00",
            "full_settlement": False,
        }
    ]
    assert line.proposals == [
        {
            "rule": "reference",
            "confidence": 100,
            "reason": f"Reference to {invoice.number}; 600.00 is its open amount.",
            "customer": fabrikam["customers"]["FAB"].pk,
            "tie": False,
            "transactions": [{"transaction": ot.pk, "amount": "600.00", "cash_discount": "0.00"}],
        }
    ]
    statement.refresh_from_db()
    assert statement.matched_at is not None
    entry = AuditEntry.objects.get(action="bank_statement.matched")
    assert entry.object_id == str(statement.pk)
    assert entry.changes == {"matched": [0, 1], "suggested": [0, 0], "unmatched": [1, 0]}


def test_statement_match_offers_no_candidate_of_an_entity_not_granted(fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"])
    PartyBankAccount.objects.create(party=fabrikam["party"], iban=PAYER_IBAN)
    clerk = make_clerk("clerk", fabrikam["FAB"])
    statement = bank_statement(
        fabrikam["FAB"],
        [
            {
                "amount": "600.00",
                "remittance_info": f"Invoice {invoice.number}",
                "counterparty_iban": PAYER_IBAN,
                "counterparty_name": "Northwind Traders",
            }
        ],
    )

    statement_match(statement=statement, actor=clerk)

    (line,) = lines_of(statement)
    assert (line.status, line.proposals, line.marked, line.customer) == ("unmatched", [], [], None)


def test_statement_match_refuses_a_user_not_granted_the_bank_accounts_entity(fabrikam):
    clerk = make_clerk("clerk", fabrikam["FABE"])
    statement = bank_statement(fabrikam["FAB"], [{"amount": "1.00"}])
    with pytest.raises(ApplicationError) as refused:
        statement_match(statement=statement, actor=clerk)
    assert refused.value.fields == {"statement": [refused.value.message]}


def test_statement_match_statuses_by_the_entitys_threshold(fabrikam):
    fab = fabrikam["customers"]["FAB"]
    named = post_invoice(fab, amounts=["100.00"])
    first = post_invoice(fab, amounts=["30.00"])
    second = post_invoice(fab, amounts=["45.00"])
    PartyBankAccount.objects.create(party=fabrikam["party"], iban=PAYER_IBAN)
    statement = bank_statement(
        fabrikam["FAB"],
        [
            {"amount": "100.00", "remittance_info": named.number},
            {"amount": "75.00", "counterparty_iban": PAYER_IBAN},
            {"amount": "12.34", "remittance_info": "Donation"},
            {"amount": "-20.00", "remittance_info": named.number},
        ],
    )
    clerk = make_clerk("clerk", fabrikam["FAB"])

    statement_match(statement=statement, actor=clerk)

    lines = lines_of(statement)
    assert [x.status for x in lines] == ["matched", "suggested", "unmatched", "unmatched"]
    assert [x.proposals[0]["confidence"] for x in lines[:2]] == [100, 85]
    assert lines[1].proposals[0]["transactions"] == [
        {"transaction": first.open_transaction.pk, "amount": "30.00", "cash_discount": "0.00"},
        {"transaction": second.open_transaction.pk, "amount": "45.00", "cash_discount": "0.00"},
    ]
    assert (lines[1].marked, lines[3].proposals) == ([], [])

    fabrikam["FAB"].auto_match_threshold = 85
    fabrikam["FAB"].save()
    statement_match(statement=statement, actor=clerk)

    lines = lines_of(statement)
    assert [x.status for x in lines] == ["matched", "matched", "unmatched", "unmatched"]
    assert [m["transaction"] for m in lines[1].marked] == [
        first.open_transaction.pk,
        second.open_transaction.pk,
    ]


def test_statement_match_takes_the_discount_on_the_value_date(fabrikam):
    from tests.factories.entities import CashDiscountFactory

    invoice = post_invoice(
        fabrikam["customers"]["FAB"], amounts=["100.00"], cash_discount=CashDiscountFactory()
    )
    statement = bank_statement(
        fabrikam["FAB"], [{"amount": "98.00", "remittance_info": invoice.number}]
    )

    statement_match(statement=statement, actor=None)

    (line,) = lines_of(statement)
    assert (line.status, line.proposals[0]["confidence"]) == ("matched", 99)
    assert line.marked == [
        {
            "transaction": invoice.open_transaction.pk,
            "amount": "98.00",
            "cash_discount": "2.00",
            "full_settlement": False,
        }
    ]


def test_statement_match_leaves_alone_the_lines_the_clerk_kept(fabrikam):
    fab = fabrikam["customers"]["FAB"]
    invoice = post_invoice(fab, amounts=["100.00"])
    statement = bank_statement(
        fabrikam["FAB"],
        [
            {"amount": "100.00", "remittance_info": "by hand"},
            {"amount": "100.00", "remittance_info": invoice.number},
            {"amount": "100.00", "remittance_info": invoice.number, "status": "ignored"},
        ],
    )
    kept_marked = [
        {
            "transaction": invoice.open_transaction.pk,
            "amount": "100.00",
            "cash_discount": "0.00",
            "full_settlement": True,
        }
    ]
    statement.lines.filter(sequence=1).update(
        status="matched", marked=kept_marked, marked_by_user=True, customer=fab
    )

    statement_match(statement=statement, actor=None)

    lines = lines_of(statement)
    assert [x.status for x in lines] == ["matched", "unmatched", "ignored"]
    assert lines[0].marked == kept_marked
    assert lines[1].proposals == []  # the invoice is the kept line's


def test_statement_match_two_lines_naming_one_invoice(fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"])
    statement = bank_statement(
        fabrikam["FAB"],
        [
            {"amount": "100.00", "remittance_info": invoice.number},
            {"amount": "100.00", "remittance_info": f"again {invoice.number}"},
        ],
    )
    statement_match(statement=statement, actor=None)
    assert [(x.status, len(x.proposals)) for x in lines_of(statement)] == [
        ("matched", 1),
        ("unmatched", 0),
    ]


def test_statement_match_a_named_invoice_taken_earlier_leaves_the_line_to_its_iban(fabrikam):
    """The first line's reference settles it, so its party's debits are not read for it; the
    second names the same invoice, taken by then, and is matched by its IBAN to the party's
    other invoice of the amount, read when asked."""
    PartyBankAccount.objects.create(party=fabrikam["party"], iban=PAYER_IBAN)
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"])
    other = post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"])
    statement = bank_statement(
        fabrikam["FAB"],
        [
            {
                "amount": "100.00",
                "remittance_info": invoice.number,
                "counterparty_iban": PAYER_IBAN,
            },
            {
                "amount": "100.00",
                "remittance_info": invoice.number,
                "counterparty_iban": PAYER_IBAN,
            },
        ],
    )
    statement_match(statement=statement, actor=None)
    first, second = lines_of(statement)
    assert (first.status, [p["rule"] for p in first.proposals]) == ("matched", ["reference"])
    assert [m["transaction"] for m in first.marked] == [invoice.open_transaction.pk]
    assert (second.status, second.proposals[0]["rule"]) == ("matched", "iban")
    assert [m["transaction"] for m in second.marked] == [other.open_transaction.pk]


def _many_lines(fabrikam, count, *, first=0, iban="DE89370400440532013000"):
    """``count`` lines for as many parties: by reference, by IBAN, by name, by a reference
    that disagrees."""
    lines = []
    for i in range(first, first + count):
        party = PartyFactory(number=f"9{i:04d}", name=f"Payer Number{i} Holding")
        customer = CustomerFactory(legal_entity=fabrikam["FABE"], account=f"9{i:04d}", party=party)
        one = post_invoice(customer, amounts=[f"{10 + i}.00"])
        two = post_invoice(customer, amounts=["7.00"])
        iban = f"DE{i:02d}3704004405320{i:05d}"
        PartyBankAccount.objects.create(party=party, iban=iban)
        kind = i % 4
        if kind == 0:
            lines.append({"amount": f"{10 + i}.00", "remittance_info": one.number})
        elif kind == 1:
            lines.append({"amount": "7.00", "counterparty_iban": iban})
        elif kind == 2:
            lines.append({"amount": f"{10 + i}.00", "counterparty_name": party.name})
        else:
            lines.append(
                {
                    "amount": f"{17 + i}.00",
                    "counterparty_iban": iban,
                    "remittance_info": two.number.lower(),
                }
            )
    return bank_statement(fabrikam["FAB"], lines, code=f"B{first}", iban=iban)


def test_statement_match_queries_do_not_grow_with_lines(fabrikam, django_assert_max_num_queries):
    clerk = make_clerk("clerk", fabrikam["FAB"], fabrikam["FABE"])
    small = _many_lines(fabrikam, 4, first=60, iban="GB82WEST12345698765432")
    statement_match(statement=small, actor=clerk)  # warm the content-type cache
    statement = _many_lines(fabrikam, 50)
    with django_assert_max_num_queries(20):
        statement_match(statement=statement, actor=clerk)
    statuses = [x.status for x in lines_of(statement)]
    assert statuses.count("matched") == 26  # by reference and by IBAN
    assert statuses.count("suggested") == 24  # by name; a reference disagreeing


def test_statement_match_job_runs_with_progress(fabrikam):
    from core.jobs import job_kinds, job_run

    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"])
    statement = bank_statement(
        fabrikam["FAB"], [{"amount": "100.00", "remittance_info": invoice.number}]
    )
    clerk = make_clerk("clerk", fabrikam["FAB"])
    job = statements_match_start(statements=[statement], actor=clerk, enqueue=False)
    assert (job.kind, job.parameters) == (MATCH_JOB, {"statements": [statement.pk]})
    assert job_kinds()[MATCH_JOB].run is statements_match_job_run

    job = job_run(job_id=job.pk)

    assert (job.state, job.total, job.done) == (Job.State.DONE, 1, 1)
    assert job.result == {
        "statements": [statement.pk],
        "unmatched": 0,
        "suggested": 0,
        "matched": 1,
        "posted": 0,
        "ignored": 0,
    }
    assert lines_of(statement)[0].status == "matched"


def test_statement_match_matches_lines_only_to_what_they_pay(fabrikam):
    """Random invoices of two parties in FAB and FABE, lines paying chosen ones by reference or
    by IBAN (in full or less the discount): a matched line holds its own invoice, no other."""
    from django.db import transaction
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.factories.entities import CashDiscountFactory

    code = CashDiscountFactory()
    other = PartyFactory(number="4060", name="Contoso Pharmaceuticals")
    customers = [
        fabrikam["customers"]["FAB"],
        fabrikam["customers"]["FABE"],
        CustomerFactory(legal_entity=fabrikam["FAB"], account="4060", party=other),
        CustomerFactory(legal_entity=fabrikam["FABE"], account="4060", party=other),
    ]
    ibans = {fabrikam["party"].pk: PAYER_IBAN, other.pk: "NL91ABNA0417164300"}
    for party, iban in ibans.items():
        PartyBankAccount.objects.create(party_id=party, iban=iban)
    seen = {"matched": 0}
    invoice = st.tuples(
        st.sampled_from(range(4)), st.sampled_from(["98.00", "100.00", "150.00"]), st.booleans()
    )

    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(invoice, min_size=1, max_size=6), st.data())
    def run(invoices, data):
        with transaction.atomic():
            posted = [
                post_invoice(customers[c], amounts=[a], cash_discount=code if d else None)
                for c, a, d in invoices
            ]
            targets = data.draw(st.lists(st.sampled_from(posted), unique_by=lambda i: i.pk))
            lines, paid = [], []
            for target in targets:
                ot = target.open_transaction
                full = data.draw(st.booleans())
                amount = (
                    ot.open_amount
                    if full or not ot.cash_discounts.exists()
                    else (ot.open_amount - ot.cash_discounts.get().amount)
                )
                if data.draw(st.booleans()):
                    lines.append({"amount": str(amount), "remittance_info": target.number})
                else:
                    lines.append({"amount": str(amount), "counterparty_iban": ibans[ot.party_id]})
                paid.append(ot.pk)
            statement = bank_statement(fabrikam["FAB"], lines)
            statement_match(statement=statement, actor=None)
            for line, target in zip(lines_of(statement), paid, strict=True):
                if line.status == "matched":
                    assert [m["transaction"] for m in line.marked] == [target]
                    seen["matched"] += 1
            transaction.set_rollback(True)

    run()
    assert seen["matched"] > 0


def _name_searches(monkeypatch) -> list[str]:
    """The names searched among the parties' names (``PartyNames.search``, processed), in
    order."""
    from banking.matching.party_names import PartyNames

    searched: list[str] = []
    search = PartyNames.search

    def counted(self, query):
        searched.append(query)
        return search(self, query)

    monkeypatch.setattr(PartyNames, "search", counted)
    return searched


def test_statement_match_searches_no_name_for_a_line_its_reference_matches(fabrikam, monkeypatch):
    """A line whose reference gives a proposal at the threshold is not searched by name (its
    names could only add alternatives below it); a line without one still is, and gets its
    name's proposal; a reference below the threshold (a partial settlement) is searched too."""
    fab = fabrikam["customers"]["FAB"]
    named = post_invoice(fab, amounts=["100.00"])
    by_name = post_invoice(fab, amounts=["250.00"])
    partial = post_invoice(fab, amounts=["80.00"])
    searched = _name_searches(monkeypatch)
    statement = bank_statement(
        fabrikam["FAB"],
        [
            {
                "amount": "100.00",
                "remittance_info": f"Invoice {named.number}",
                "counterparty_name": "Northwind Traders",
            },
            {"amount": "250.00", "counterparty_name": "NORTHWIND TRADERS LTD"},
            {
                "amount": "50.00",
                "remittance_info": partial.number,
                "counterparty_name": "Northwind Traders GmbH",
            },
        ],
    )

    statement_match(statement=statement, actor=None)

    assert searched == ["northwind traders ltd", "northwind traders gmbh"]
    first, second, third = lines_of(statement)
    assert (first.status, [p["rule"] for p in first.proposals]) == ("matched", ["reference"])
    assert second.status == "suggested"
    assert [(p["rule"], p["confidence"]) for p in second.proposals] == [("name", 75)]
    assert second.proposals[0]["transactions"][0]["transaction"] == by_name.open_transaction.pk
    assert [(p["rule"], p["confidence"]) for p in third.proposals] == [("reference", 60)]


def test_statement_match_a_line_finished_by_name_sees_only_what_lines_before_it_took(fabrikam):
    """The name of the first line points at an invoice the second line's reference takes: the
    first line, finished after the second, still proposes it (in sequence, it came first)."""
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["250.00"])
    statement = bank_statement(
        fabrikam["FAB"],
        [
            {"amount": "250.00", "counterparty_name": "Northwind Traders"},
            {"amount": "250.00", "remittance_info": invoice.number},
        ],
    )

    statement_match(statement=statement, actor=None)

    first, second = lines_of(statement)
    ot = invoice.open_transaction.pk
    assert (first.status, first.proposals[0]["rule"]) == ("suggested", "name")
    assert first.proposals[0]["transactions"][0]["transaction"] == ot
    assert (second.status, [m["transaction"] for m in second.marked]) == ("matched", [ot])


def test_statement_match_a_name_matches_at_a_threshold_a_name_rule_reaches(fabrikam):
    """With the threshold at or below what a name rule gives, a name may match a line: each
    line then takes what it matched before the next is matched."""
    fabrikam["FAB"].auto_match_threshold = 75
    fabrikam["FAB"].save()
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["250.00"])
    statement = bank_statement(
        fabrikam["FAB"],
        [
            {"amount": "250.00", "counterparty_name": "Northwind Traders"},
            {"amount": "250.00", "remittance_info": invoice.number},
        ],
    )

    statement_match(statement=statement, actor=None)

    first, second = lines_of(statement)
    ot = invoice.open_transaction.pk
    assert (first.status, [m["transaction"] for m in first.marked]) == ("matched", [ot])
    assert (second.status, second.proposals) == ("unmatched", [])


def test_statement_match_a_party_whose_agreeing_debit_is_taken_is_searched_for_combinations(
    fabrikam,
):
    """The debits of an IBAN's party are read as the rules take them (first those of the
    line's amount): when the one agreeing was taken by a line before, all of them are read and
    two others adding up to the amount are proposed."""
    fab = fabrikam["customers"]["FAB"]
    invoice = post_invoice(fab, amounts=["100.00"])
    first = post_invoice(fab, amounts=["60.00"])
    second = post_invoice(fab, amounts=["40.00"])
    PartyBankAccount.objects.create(party=fabrikam["party"], iban=PAYER_IBAN)
    statement = bank_statement(
        fabrikam["FAB"],
        [
            {"amount": "100.00", "remittance_info": invoice.number},
            {"amount": "100.00", "counterparty_iban": PAYER_IBAN},
        ],
    )

    statement_match(statement=statement, actor=None)

    named, by_iban = lines_of(statement)
    assert named.status == "matched"
    assert by_iban.status == "suggested"
    assert [(p["rule"], p["confidence"]) for p in by_iban.proposals] == [("combination", 85)]
    assert [t["transaction"] for t in by_iban.proposals[0]["transactions"]] == [
        first.open_transaction.pk,
        second.open_transaction.pk,
    ]


def _jit() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        return cursor.fetchone()[0]


@pytest.mark.postgresql("PostgreSQL's JIT setting")
@pytest.mark.django_db(transaction=True)
def test_jit_off_while_matching_reads_then_as_it_was():
    """Outside a transaction (a matching job) for the session and set back, also when the
    reads fail; inside one, for that transaction only."""
    from django.db import transaction

    from banking.sql import jit_off

    before = _jit()
    with jit_off():
        assert _jit() == "off"
    assert _jit() == before
    with pytest.raises(ZeroDivisionError), jit_off():
        1 / 0  # noqa: B018
    assert _jit() == before
    with transaction.atomic():
        with jit_off():
            assert _jit() == "off"
        assert _jit() == "off"
    assert _jit() == before


def test_statement_match_in_chunks_as_in_one(fabrikam, monkeypatch):
    """Lines matched a few at a time (each chunk reads its parties' debits and searches its
    names) come out as when matched all at once, what a line took held for the chunks after."""
    import banking.services.matching as matching

    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["250.00"])
    statement = _many_lines(fabrikam, 9)
    last = statement.lines.order_by("-sequence").first().sequence
    for offset, line in enumerate(
        [
            {"amount": "250.00", "remittance_info": invoice.number},
            {"amount": "250.00", "remittance_info": f"again {invoice.number}"},  # next chunk
            {"amount": "250.00", "counterparty_name": "Northwind Traders"},
        ],
        start=1,
    ):
        BankStatementLine.objects.create(
            statement=statement,
            bank_account=statement.bank_account,
            sequence=last + offset,
            line_key=f"X{offset}",
            booking_date=ON,
            value_date=ON,
            currency="USD",
            **{**line, "amount": Decimal(line["amount"])},
        )
    fields = ("sequence", "status", "proposals", "marked", "customer_id")

    statement_match(statement=statement, actor=None)
    at_once = list(statement.lines.order_by("sequence").values_list(*fields))
    statement.lines.update(status="unmatched", proposals=[], marked=[], customer=None)
    monkeypatch.setattr(matching, "MATCH_CHUNK_LINES", 2)
    statement_match(statement=statement, actor=None)

    assert list(statement.lines.order_by("sequence").values_list(*fields)) == at_once
    statuses = [status for _, status, *_ in at_once]
    assert statuses[-3:] == ["matched", "unmatched", "unmatched"]
