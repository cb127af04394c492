"""Customer account statements, figures worked by hand: opening balance, each line's running
balance, closing balance and the aging at the period's end, through the service and the API;
the party statement across entities; the PDF; emailing it; who may see what; the pool job."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from collections_app.models import CustomerPool, CustomerStatement
from collections_app.services.statements import (
    STATEMENTS_JOB,
    customer_statement_create,
    pool_statements_job_run,
)
from collections_app.statement_printing import (
    movement_description,
    statement_language,
    statement_print_html,
)
from core.errors import InvalidInput
from core.models import AuditEntry
from entities.exceptions import EntityAccessDenied
from entities.models import PartyContact
from settlement.services import SettlementLineInput, settlement_create
from tests.conftest import make_clerk
from tests.factories.entities import PaymentTermsFactory
from tests.factories.receivables import post_credit_note, post_invoice, post_payment
from tests.pdf_text import laid_out_pages

pytestmark = pytest.mark.django_db

FEB1, MAR31 = date(2026, 2, 1), date(2026, 3, 31)
BUCKETS = ["Current", "1–30", "31–60", "61–90", "Over 90"]


def settle(on, *documents):
    return settlement_create(
        lines=[SettlementLineInput(d.open_transaction.pk) for d in documents],
        on=on,
        primary=None,
        actor=None,
    )


@pytest.fixture
def book(fabrikam):
    """FAB/4000, net 30 days:
    - before the period: invoice I1 100.00 (Jan 10), payment 40.00 (Jan 20) settled against it;
    - in the period: invoice I2 250.00 (Feb 5, due Mar 7), credit note 30.00 (Feb 10),
      payment 60.00 (Mar 15) settled against I1, invoice I3 80.00 (Mar 20, due Apr 19);
    - after it: payment 100.00 (Apr 5) settled against I2 (I2 was still 250.00 open on Mar 31).
    FABE/4000 (same party): invoice 500.00 (Mar 1, due Mar 31)."""
    fab = fabrikam["customers"]["FAB"]
    terms = PaymentTermsFactory()
    i1 = post_invoice(fab, amounts=["100.00"], on=date(2026, 1, 10), terms=terms)
    settle(date(2026, 1, 20), i1, post_payment(fab, amount="40.00", on=date(2026, 1, 20)))
    i2 = post_invoice(fab, amounts=["250.00"], on=date(2026, 2, 5), terms=terms)
    cn = post_credit_note(fab, amounts=["30.00"], on=date(2026, 2, 10))
    p2 = post_payment(fab, amount="60.00", on=date(2026, 3, 15))
    settle(date(2026, 3, 15), i1, p2)
    i3 = post_invoice(fab, amounts=["80.00"], on=date(2026, 3, 20), terms=terms)
    settle(date(2026, 4, 5), i2, post_payment(fab, amount="100.00", on=date(2026, 4, 5)))
    fabe = post_invoice(
        fabrikam["customers"]["FABE"], amounts=["500.00"], on=date(2026, 3, 1), terms=terms
    )
    return {**fabrikam, "i1": i1, "i2": i2, "cn": cn, "p2": p2, "i3": i3, "fabe": fabe}


def expected_lines(book):
    return [
        # date, entity, document, debit, credit, balance (opening 60.00)
        ("2026-02-05", "FAB", book["i2"].number, "250.00", "0.00", "310.00"),
        ("2026-02-10", "FAB", book["cn"].number, "0.00", "30.00", "280.00"),
        ("2026-03-15", "FAB", book["p2"].number, "0.00", "60.00", "220.00"),
        ("2026-03-20", "FAB", book["i3"].number, "80.00", "0.00", "300.00"),
    ]


def lines_of(section):
    return [
        (x["date"], x["legal_entity"], x["document"], x["debit"], x["credit"], x["balance"])
        for x in section["lines"]
    ]


def aging_of(section):
    return [(a["label"], a["amount"]) for a in section["aging"]]


def test_customer_statement_create_figures_by_hand(book, admin_user):
    statement = customer_statement_create(
        actor=admin_user, customer=book["customers"]["FAB"], date_from=FEB1, date_to=MAR31
    )
    (section,) = statement.sections
    assert section["currency"] == "USD"
    assert section["opening_balance"] == "60.00"  # 100.00 − 40.00
    assert lines_of(section) == expected_lines(book)
    assert section["closing_balance"] == "300.00"
    # On Mar 31: I3 80.00 not due; I2 250.00 24 days past due (paid in part only on Apr 5);
    # the credit note 30.00, due on its date, 49 days; I1 closed on Mar 15.
    assert aging_of(section) == list(
        zip(BUCKETS, ["80.00", "250.00", "-30.00", "0.00", "0.00"], strict=True)
    )
    assert [e.code for e in statement.legal_entities.all()] == ["FAB"]
    entry = AuditEntry.objects.get(action="customer_statement.created")
    assert entry.object_id == str(statement.pk)


def test_party_statement_covers_the_granted_entities_in_one_section_per_currency(book):
    both = make_clerk("both", book["FAB"], book["FABE"])
    statement = customer_statement_create(
        actor=both, party=book["party"], date_from=FEB1, date_to=MAR31
    )
    (section,) = statement.sections
    assert section["opening_balance"] == "60.00"
    assert lines_of(section) == [
        expected_lines(book)[0],
        expected_lines(book)[1],
        ("2026-03-01", "FABE", book["fabe"].number, "500.00", "0.00", "780.00"),
        ("2026-03-15", "FAB", book["p2"].number, "0.00", "60.00", "720.00"),
        ("2026-03-20", "FAB", book["i3"].number, "80.00", "0.00", "800.00"),
    ]
    assert section["closing_balance"] == "800.00"
    assert aging_of(section) == list(
        zip(BUCKETS, ["580.00", "250.00", "-30.00", "0.00", "0.00"], strict=True)
    )
    fab_only = make_clerk("fab-only", book["FAB"])
    narrow = customer_statement_create(
        actor=fab_only, party=book["party"], date_from=FEB1, date_to=MAR31
    )
    assert narrow.sections[0]["closing_balance"] == "300.00"
    assert [e.code for e in narrow.legal_entities.all()] == ["FAB"]


def test_statement_sections_per_transaction_currency(fabrikam, admin_user):
    from tests.factories.entities import ExchangeRateFactory

    ExchangeRateFactory(
        from_currency="EUR", to_currency="USD", rate=Decimal("1.2"), valid_from=date(2026, 1, 1)
    )
    fab = fabrikam["customers"]["FAB"]
    post_invoice(fab, amounts=["10.00"], on=date(2026, 3, 2))
    post_invoice(fab, amounts=["20.00"], on=date(2026, 3, 3), currency="EUR")
    statement = customer_statement_create(
        actor=admin_user, customer=fab, date_from=FEB1, date_to=MAR31
    )
    assert [(s["currency"], s["closing_balance"]) for s in statement.sections] == [
        ("EUR", "20.00"),
        ("USD", "10.00"),
    ]


def test_customer_statement_create_refuses_bad_input(book, admin_user):
    with pytest.raises(InvalidInput, match=r"The period ends \(2026-01-31\) before it starts"):
        customer_statement_create(
            actor=admin_user,
            customer=book["customers"]["FAB"],
            date_from=FEB1,
            date_to=date(2026, 1, 31),
        )
    clerk = make_clerk("fabe-only", book["FABE"])
    with pytest.raises(EntityAccessDenied):
        customer_statement_create(
            actor=clerk, customer=book["customers"]["FAB"], date_from=FEB1, date_to=MAR31
        )
    nobody = make_clerk("nobody")
    with pytest.raises(InvalidInput, match="Party 4050 has no customer account in a legal"):
        customer_statement_create(actor=nobody, party=book["party"], date_from=FEB1, date_to=MAR31)
    assert not CustomerStatement.objects.exists()


def test_statement_api_figures_list_and_scoping(api_client, book, django_assert_max_num_queries):
    clerk = make_clerk("clerk", book["FAB"])
    api_client.force_authenticate(clerk)
    response = api_client.post(
        "/api/v1/customer-statements/",
        {
            "customer": book["customers"]["FAB"].pk,
            "date_from": "2026-02-01",
            "date_to": "2026-03-31",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["currency"], body["opening_balance"], body["closing_balance"]) == (
        "USD",
        "60.00",
        "300.00",
    )
    assert [
        (x["date"], x["legal_entity"], x["document"], x["debit"], x["credit"], x["balance"])
        for x in body["lines"]
    ] == expected_lines(book)
    assert [(a["label"], a["amount"]) for a in body["aging"]] == list(
        zip(BUCKETS, ["80.00", "250.00", "-30.00", "0.00", "0.00"], strict=True)
    )
    assert body["legal_entities"] == ["FAB"] and body["party"] == "4050"
    for _ in range(3):
        customer_statement_create(actor=clerk, party=book["party"], date_from=FEB1, date_to=MAR31)
    with django_assert_max_num_queries(6):
        listed = api_client.get("/api/v1/customer-statements/").json()
    assert len(listed["results"]) == 4
    filtered = api_client.get(
        f"/api/v1/customer-statements/?customer={book['customers']['FAB'].pk}"
    ).json()
    assert [s["id"] for s in filtered["results"]] == [body["id"]]
    misspelled = api_client.get("/api/v1/customer-statements/?custmer=1")
    assert misspelled.status_code == 400
    pdf = api_client.get(f"/api/v1/customer-statements/{body['id']}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content[:5] == b"%PDF-"

    other = make_clerk("fabe-only", book["FABE"])
    api_client.force_authenticate(other)
    assert api_client.get(f"/api/v1/customer-statements/{body['id']}/").status_code == 404
    assert api_client.get(f"/api/v1/customer-statements/{body['id']}/pdf/").status_code == 404
    assert api_client.get("/api/v1/customer-statements/").json()["results"] == []
    refused = api_client.post(
        "/api/v1/customer-statements/",
        {
            "customer": book["customers"]["FAB"].pk,
            "date_from": "2026-02-01",
            "date_to": "2026-03-31",
        },
        format="json",
    )
    assert refused.status_code == 403


def test_statement_api_bad_input_names_the_field(api_client, admin_user, book):
    api_client.force_authenticate(admin_user)
    both = api_client.post(
        "/api/v1/customer-statements/",
        {"customer": 1, "party": "4050", "date_from": "2026-02-01", "date_to": "2026-03-31"},
        format="json",
    )
    assert both.status_code == 400 and "customer" in both.json()["fields"]
    backwards = api_client.post(
        "/api/v1/customer-statements/",
        {"party": "4050", "date_from": "2026-03-01", "date_to": "2026-02-01"},
        format="json",
    )
    assert backwards.status_code == 400 and "date_to" in backwards.json()["fields"]
    unknown = api_client.post(
        "/api/v1/customer-statements/",
        {"party": "9999", "date_from": "2026-02-01", "date_to": "2026-03-31"},
        format="json",
    )
    assert unknown.status_code == 400
    assert unknown.json()["fields"]["party"] == ["Party 9999 does not exist."]


def test_statement_pdf_shows_the_figures(book, admin_user):
    statement = customer_statement_create(
        actor=admin_user, customer=book["customers"]["FAB"], date_from=FEB1, date_to=MAR31
    )
    (page,) = laid_out_pages(statement_print_html(statement))
    for text in [
        "Fabrikam",
        "Customer 4000 · party 4050",
        "2026-02-01 to 2026-03-31",
        "Opening balance 60.00",
        f"2026-02-05 {book['i2'].number}",
        "250.00 310.00",
        "30.00 280.00",
        "60.00 220.00",
        "80.00 300.00",
        "Closing balance 2026-03-31 (USD) 300.00",
        "Current 1–30 31–60 61–90 Over 90 80.00 250.00 -30.00 0.00 0.00",
        "Page 1 of 1",
    ]:
        assert text in page, text


def test_statement_email_sends_the_pdf_to_the_contact(
    api_client, book, django_capture_on_commit_callbacks
):
    clerk = make_clerk("clerk", book["FAB"])
    statement = customer_statement_create(
        actor=clerk, customer=book["customers"]["FAB"], date_from=FEB1, date_to=MAR31
    )
    api_client.force_authenticate(clerk)
    missing = api_client.post(f"/api/v1/customer-statements/{statement.pk}/email/", {})
    assert missing.status_code == 400 and "email" in missing.json()["fields"]
    PartyContact.objects.create(party=book["party"], name="AP", email="ap@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/customer-statements/{statement.pk}/email/", {})
    assert response.status_code == 202 and response.json()["emailed_to"] == "ap@example.com"
    (message,) = mail.outbox
    assert message.to == ["ap@example.com"]
    assert message.subject == "Fabrikam: account statement 2026-02-01 to 2026-03-31"
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype, content[:5]) == (
        f"statement-{statement.pk}.pdf",
        "application/pdf",
        b"%PDF-",
    )
    statement.refresh_from_db()
    assert statement.emailed_at is not None
    assert AuditEntry.objects.filter(action="customer_statement.emailed").count() == 1


def test_pool_statements_job_makes_one_statement_per_customer_once(book, admin_user):
    from collections_app.selectors import aging_period_set_get
    from collections_app.services import aging_snapshot_create
    from core.jobs import job_run, job_start
    from core.models import Job

    for entity in (book["FAB"], book["FABE"]):
        aging_snapshot_create(
            legal_entity=entity,
            as_of=date(2026, 4, 30),
            period_set=aging_period_set_get(),
            actor=admin_user,
        )
    pool = CustomerPool.objects.create(code="BIG", name="Big", criteria={"min_balance": "300"})
    job = job_start(
        kind=STATEMENTS_JOB,
        legal_entities=[book["FAB"], book["FABE"]],
        as_of=MAR31,
        actor=admin_user,
        parameters={"pool": pool.pk, "date_from": "2026-02-01"},
        enqueue=False,
    )
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.errors
    # Balances on Apr 30: FAB 200.00 (150.00 + 80.00 − 30.00: under 300), FABE 500.00.
    assert job.result["statements"] == 1
    (statement,) = CustomerStatement.objects.filter(job=job)
    assert statement.customer == book["customers"]["FABE"]
    assert statement.sections[0]["closing_balance"] == "500.00"
    assert (job.done, job.total) == (1, 1)
    # Run again: nothing new.
    result = pool_statements_job_run(job, _NoProgress())
    assert result["statements"] == 0
    assert CustomerStatement.objects.filter(job=job).count() == 1


class _NoProgress:
    attempt = 1

    def set_total(self, total):
        pass

    def advance(self, count=1):
        pass

    def beat(self, rows=1):
        pass

    def fence(self):
        pass


def test_statement_aging_sums_to_the_closing_balance_on_every_date(fabrikam, admin_user):
    """Cash discount, a partial settlement reversed, a payment reversed, a write-off and an
    intercompany settlement: on every date the aging of what was open then sums to the closing
    balance of the ledger, per customer and per party."""
    from collections_app.services import write_off_create
    from receivables.services.payments import payment_reverse
    from settlement.services import settlement_reverse
    from tests.factories.entities import CashDiscountFactory

    fab, fabe = fabrikam["customers"]["FAB"], fabrikam["customers"]["FABE"]
    fabrikam["FAB"].max_write_off = Decimal("10.00")
    fabrikam["FAB"].save()
    terms = PaymentTermsFactory()
    i1 = post_invoice(
        fab,
        amounts=["100.00"],
        on=date(2026, 1, 5),
        terms=terms,
        cash_discount=CashDiscountFactory(),
    )
    settle(date(2026, 1, 12), i1, post_payment(fab, amount="98.00", on=date(2026, 1, 12)))
    i2 = post_invoice(fab, amounts=["200.00"], on=date(2026, 1, 20), terms=terms)
    p2 = post_payment(fab, amount="150.00", on=date(2026, 2, 3))
    s2 = settle(date(2026, 2, 3), i2, p2)
    settlement_reverse(settlement=s2, actor=None, on=date(2026, 2, 20))
    payment_reverse(payment=p2, actor=None, on=date(2026, 2, 25))
    i3 = post_invoice(fab, amounts=["5.00"], on=date(2026, 2, 1), terms=terms)
    write_off_create(
        open_transaction=i3.open_transaction, reason="small", actor=None, on=date(2026, 3, 3)
    )
    ic = post_invoice(fabe, amounts=["300.00"], on=date(2026, 2, 10), terms=terms)
    settle(date(2026, 3, 10), ic, post_payment(fab, amount="300.00", on=date(2026, 3, 10)))

    closings = {}
    for day in [(1, 10), (1, 31), (2, 15), (2, 22), (2, 28), (3, 5), (3, 31)]:
        on = date(2026, *day)
        for who in ({"customer": fab}, {"customer": fabe}, {"party": fabrikam["party"]}):
            statement = customer_statement_create(
                actor=admin_user, date_from=date(2026, 1, 1), date_to=on, **who
            )
            for section in statement.sections:
                aged = sum((Decimal(a["amount"]) for a in section["aging"]), Decimal(0))
                assert aged == Decimal(section["closing_balance"]), (on, who, section)
            closings[(on, next(iter(who.values())).pk, "party" in who)] = [
                s["closing_balance"] for s in statement.sections
            ]
    party = fabrikam["party"].pk
    # By hand. Feb 15: I2 200.00 less 150.00 settled, the payment used up; I3 5.00; FABE 300.00.
    assert closings[(date(2026, 2, 15), party, True)] == ["355.00"]
    # Feb 22: the settlement reversed: I2 200.00 open, the payment -150.00 open again.
    assert closings[(date(2026, 2, 22), fab.pk, False)] == ["55.00"]
    # Feb 28: the payment reversed. Mar 5: I3 written off. Mar 31: FABE's invoice paid in FAB.
    assert closings[(date(2026, 2, 28), fab.pk, False)] == ["205.00"]
    assert closings[(date(2026, 3, 5), fab.pk, False)] == ["200.00"]
    assert closings[(date(2026, 3, 31), fab.pk, False)] == ["200.00"]
    assert closings[(date(2026, 3, 31), fabe.pk, False)] == ["0.00"]
    assert closings[(date(2026, 3, 31), party, True)] == ["200.00"]


def test_a_norwegian_customer_statement_prints_in_norwegian(book, admin_user):
    customer = book["customers"]["FAB"]
    customer.language = "nb"
    customer.save(update_fields=["language"])
    statement = customer_statement_create(
        actor=admin_user, customer=customer, date_from=FEB1, date_to=MAR31
    )
    (page,) = laid_out_pages(statement_print_html(statement))
    i2, cn, p2 = book["i2"].number, book["cn"].number, book["p2"].number
    for text in [
        "Fabrikam Juridisk enhet FAB Skrevet ut",
        "Northwind Traders Kunde 4000 · part 4050",
        "Periode 01.02.2026 til 31.03.2026 Juridisk enhet FAB Kontoutskrift USD",
        "Dato Dokument Beskrivelse Debet Kredit Saldo",
        "01.02.2026 Inngående saldo 60,00",
        f"05.02.2026 {i2} Faktura {i2} 250,00 310,00",
        f"10.02.2026 {cn} Kreditnota {cn} 30,00 280,00",
        f"15.03.2026 {p2} Innbetaling {p2} 60,00 220,00",
        "Utgående saldo 31.03.2026 (USD) 300,00",
        "Aldersfordelt per 31.03.2026, etter dager over forfall",
        "Ikke forfalt 1–30 31–60 61–90 Over 90 80,00 250,00 -30,00 0,00 0,00",
        "Side 1 av 1",
    ]:
        assert text in page, text
    for english in ["Opening balance", "Invoice", "Current", "Page 1"]:
        assert english not in page, english


def test_a_party_statement_takes_the_language_of_its_first_entity_account(book, admin_user):
    """A party's statement has no one customer: the party's account in the first legal entity
    it covers (by code) chooses, here FAB's in French over FABE's in Norwegian."""
    from entities.services import legal_entity_update

    legal_entity_update(legal_entity=book["FAB"], data={"language": "fr"}, actor=None)
    fabe = book["customers"]["FABE"]
    fabe.language = "nb"
    fabe.save(update_fields=["language"])
    statement = customer_statement_create(
        actor=admin_user, party=book["party"], date_from=FEB1, date_to=MAR31
    )
    assert statement_language(statement) == "fr"
    (page,) = laid_out_pages(statement_print_html(statement))
    assert page.startswith("Fabrikam · Fabrikam East · Fabrikam West Imprimé le"), page
    assert "Tiers 4050 Relevé" in page
    assert "Entités juridiques FAB, FABE, FABW Relevé de compte" in page
    assert "Date Entité Document Description Débit Crédit Solde" in page
    assert f"01/03/2026 FABE {book['fabe'].number} Facture {book['fabe'].number}" in page
    # A statement of one customer is in that customer's language.
    mine = customer_statement_create(actor=admin_user, customer=fabe, date_from=FEB1, date_to=MAR31)
    assert statement_language(mine) == "nb"


def test_statement_email_is_written_in_the_customer_language(
    book, admin_user, django_capture_on_commit_callbacks
):
    from collections_app.services.statements import customer_statement_email

    customer = book["customers"]["FAB"]
    customer.language = "nb"
    customer.save(update_fields=["language"])
    statement = customer_statement_create(
        actor=admin_user, customer=customer, date_from=FEB1, date_to=MAR31
    )
    with django_capture_on_commit_callbacks(execute=True):
        customer_statement_email(statement=statement, actor=admin_user, email="ap@example.com")
    (message,) = mail.outbox
    assert message.subject == "Fabrikam: kontoutskrift fra 01.02.2026 til 31.03.2026"
    assert message.body == (
        "Kjære Northwind Traders,\n\nvedlagt følger kontoutskriften for perioden 01.02.2026 til "
        "31.03.2026.\n\nFabrikam"
    )


def test_movement_description_translates_what_the_posting_services_write():
    from django.utils import translation

    with translation.override("fr"):
        assert movement_description("Invoice FAB-INV00000001") == "Facture FAB-INV00000001"
        assert movement_description("Settlement of FAB-INV1") == "Règlement de FAB-INV1"
        assert movement_description("Write-off FAB-INV1: small: rest") == (
            "Passage en perte FAB-INV1 : small: rest"
        )
        # Anything else prints as written.
        assert movement_description("Invoice for March") == "Invoice for March"
        assert movement_description("Bank statement 7 line 2") == "Bank statement 7 line 2"
